import { useEffect } from 'react';
import type { PredictTarget } from '../../../schemas/predict.ts';
import { LabelFile } from './LabelFile.tsx';
import { PromptBox } from './PromptBox.tsx';
import { TryIt } from './TryIt.tsx';
import { TryItFile } from './TryItFile.tsx';
import { useDatasets } from '../store/datasets.ts';

/** What the model reads, from the dataset it was trained on (text until the dataset list says otherwise). */
function useTrainedOn(datasetId: string | null): 'text' | 'image' | 'audio' {
  const datasets = useDatasets((state) => state.datasets);
  const loaded = useDatasets((state) => state.loaded);
  useEffect(() => {
    if (!loaded) void useDatasets.getState().load();
  }, [loaded]);
  const modality = datasets.find((dataset) => dataset.id === datasetId)?.detection.modality;
  return modality === 'image' || modality === 'audio' ? modality : 'text';
}

/** Trying a model: a prompt for a language model, texts and whole table files for a text model, a picture or a clip for an image or audio model. */
export function TryModel({ target, datasetId, task, title }: { target: PredictTarget; datasetId: string | null; task: string; title?: string }) {
  const modality = useTrainedOn(datasetId);
  if (task === 'causal_lm') return <PromptBox target={target} title={title} />;
  if (modality !== 'text') return <TryItFile target={target} kind={modality} title={title} />;
  return (
    <>
      <TryIt target={target} title={title} />
      <LabelFile target={target} />
    </>
  );
}
