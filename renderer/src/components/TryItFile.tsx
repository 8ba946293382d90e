import { useEffect, useId, useState } from 'react';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { FilePrediction, PredictTarget } from '../../../schemas/predict.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { FileImport } from './FileImport.tsx';
import { Answer } from './TryIt.tsx';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

const ACCEPT = { image: '.png,.jpg,.jpeg,.bmp,.gif,.webp,.tif,.tiff', audio: '.wav,.flac,.ogg,.oga,.mp3' };

/**
 * "Try it" for an image or audio model: a typed path, or a dropped or picked file (uploaded first in the
 * web host), decoded as in training; the picture is shown, or the clip can be played, beside the answer.
 */
export function TryItFile({ target, kind, title = 'Try it' }: { target: PredictTarget; kind: 'image' | 'audio'; title?: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<FilePrediction | null>(null);
  const [error, setError] = useState<AirlockErrorShape | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const headingId = useId();
  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);

  const predict = async (path: string | File) => {
    setBusy(true);
    setError(null);
    setResult(null);
    setPreview(typeof path === 'string' ? null : URL.createObjectURL(path));
    try {
      const local = typeof path === 'string' ? path.trim() : await bridge().pathForFile(path);
      const { predictions } = await call('predict.files', { target, files: [local] });
      const [first] = predictions;
      if (first?.error) setError({ code: first.error.code, message: first.error.message });
      else setResult(first ?? null);
    } catch (caught) {
      setError(errorShapeOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <FileImport
        purpose="predict-input"
        pathLabel={kind === 'image' ? 'Picture to classify' : 'Sound clip to classify'}
        accept={ACCEPT[kind]}
        busy={busy}
        submitLabel="Predict"
        placeholder={kind === 'image' ? '/media/usb/picture.png' : '/media/usb/clip.wav'}
        onPath={(path) => void predict(path)}
        onFile={(file) => void predict(file)}
      />
      {busy && <p className="small muted">The first prediction loads the model (several seconds); later ones are quick.</p>}
      {error && <ErrorBox error={error} />}
      {preview && kind === 'image' && <img src={preview} alt="The picture classified" style={{ maxWidth: 160, maxHeight: 160, imageRendering: 'pixelated' }} />}
      {preview && kind === 'audio' && <audio src={preview} controls aria-label="The clip classified" />}
      {result?.prediction && <Answer prediction={{ ...result.prediction, text: result.file }} />}
    </section>
  );
}
