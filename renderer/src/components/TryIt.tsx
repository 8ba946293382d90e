import { useEffect, useId, useState } from 'react';
import type { PredictTarget } from '../../../schemas/predict.ts';
import type { Prediction } from '../../../schemas/registry.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { formatMetric, formatPercent } from '../lib/format.ts';
import { usePredict } from '../store/predict.ts';

/** Every label with its probability, most likely first, drawn as bars. */
function Ranking({ prediction, multiLabel }: { prediction: Prediction; multiLabel: boolean }) {
  const ranked = prediction.ranked ?? [];
  return (
    <table aria-label="Every label's probability" className="ranking">
      <thead>
        <tr>
          <th>Label</th>
          <th className="num">{multiLabel ? 'Probability (each label on its own)' : 'Probability'}</th>
          <th aria-hidden="true" />
        </tr>
      </thead>
      <tbody>
        {ranked.map((entry, index) => (
          <tr key={entry.label} className={index === 0 ? 'selected' : undefined}>
            <td className="wrap">{entry.label}</td>
            <td className="num">{formatPercent(entry.probability)}</td>
            <td style={{ width: '40%' }}>
              <div className="bar" style={{ width: `${Math.max(1, entry.probability * 100)}%`, background: 'var(--chart-1)', height: 8, borderRadius: 4 }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The answer to one "try it": the label (or number), a plain note when unsure, and every label ranked. */
export function Answer({ prediction }: { prediction: Prediction }) {
  if (prediction.value !== undefined) {
    return (
      <p role="status" aria-label="Prediction">
        <strong>{formatMetric(prediction.value)}</strong>
      </p>
    );
  }
  const multiLabel = prediction.labels !== undefined;
  const headline = multiLabel ? (prediction.labels!.length ? prediction.labels!.join(', ') : 'no label reaches 50%') : prediction.label;
  return (
    <div className="stack">
      <p role="status" aria-label="Prediction">
        <strong className="wrap">{headline}</strong>
        {!multiLabel && prediction.probability !== null && ` — ${formatPercent(prediction.probability)}`}
      </p>
      {prediction.confidenceNote && (
        <p role="note" aria-label="Confidence" className="alert warning">
          {prediction.confidenceNote}
        </p>
      )}
      <Ranking prediction={prediction} multiLabel={multiLabel} />
      {multiLabel && <p className="small muted">Each label is judged on its own: the probabilities do not add up to 100%. Labels at 50% or more apply.</p>}
    </div>
  );
}

/** Type a text and see what the model says: every label ranked, and plainly when the answer is not clear. */
export function TryIt({ target, title = 'Try it' }: { target: PredictTarget; title?: string }) {
  const [text, setText] = useState('');
  const predicting = usePredict((state) => state.predicting);
  const predictions = usePredict((state) => state.predictions);
  const error = usePredict((state) => state.predictError);
  const textId = useId();
  const headingId = useId();
  useEffect(() => usePredict.getState().selectTarget(target), [target]);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void usePredict.getState().predict(target, text);
        }}
      >
        <div className="field">
          <label htmlFor={textId}>Text to classify</label>
          <textarea id={textId} value={text} onChange={(event) => setText(event.target.value)} rows={3} />
        </div>
        <button type="submit" disabled={predicting || !text.trim()}>
          {predicting ? 'Predicting…' : 'Predict'}
        </button>
        {predicting && <span className="small muted"> The first prediction loads the model (several seconds); later ones are quick.</span>}
      </form>
      {error && <ErrorBox error={error} />}
      {predictions.map((prediction, index) => (
        <Answer key={`${index}:${prediction.text}`} prediction={prediction} />
      ))}
    </section>
  );
}
