/** A model must read what the dataset holds: text, pictures or sound. Checked before any work starts. */
import { basename } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel, ModelInfo } from '../../../schemas/model.ts';

const READS: Record<string, string> = { text: 'text', image: 'pictures', audio: 'sound', tabular: 'table values', unknown: 'an input Airlock cannot tell' };

/** The modality a dataset needs from its model (tabular data is read as text). */
export function neededModality(dataset: Dataset): ModelInfo['modality'] {
  const modality = dataset.detection.modality;
  return modality === 'image' || modality === 'audio' ? modality : 'text';
}

/**
 * Refuses a model that reads another kind of input than the dataset holds.
 * @throws AirlockError MODEL_MODALITY_MISMATCH naming both and the models that would fit.
 */
export function checkModality(dataset: Dataset, model: { folder: string; info: ModelInfo }, fitting: CachedModel[] = []): void {
  const needed = neededModality(dataset);
  const has = model.info.modality;
  if (has === needed || has === 'unknown') return;
  const names = fitting.filter((candidate) => candidate.info.modality === needed).map((candidate) => candidate.id);
  throw new AirlockError('MODEL_MODALITY_MISMATCH', `The model ${basename(model.folder)} reads ${READS[has]}, but the dataset "${dataset.name}" holds ${READS[needed]}.`, {
    hint: names.length
      ? `Pick a model that reads ${READS[needed]}: ${names.join(', ')}.`
      : `Import a${needed === 'image' || needed === 'audio' ? 'n' : ''} ${needed} model into the model cache first (\`airlock models import <folder>\`).`,
    field: 'model.name',
  });
}

/** The models that fit the dataset first (the wanted one first among them), then the others, each with why. */
export function modelsFor(dataset: Dataset, models: CachedModel[]): { model: CachedModel; fits: boolean; why: string }[] {
  const needed = neededModality(dataset);
  return models
    .map((model) => ({
      model,
      fits: model.info.modality === needed,
      why: model.info.modality === needed ? `reads ${READS[needed]}` : `reads ${READS[model.info.modality]}, the dataset holds ${READS[needed]}`,
    }))
    .sort((a, b) => Number(b.fits) - Number(a.fits));
}

/** The model a new config suggests: the bundled default for text, else the first cached model that fits. */
export function defaultModelFor(dataset: Dataset, models: CachedModel[]): CachedModel | undefined {
  const needed = neededModality(dataset);
  if (needed === 'text') return undefined;
  return models.find((model) => model.info.modality === needed);
}
