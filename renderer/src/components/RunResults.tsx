import type { Run } from '../../../schemas/run.ts';
import { formatMetric } from '../lib/format.ts';

type PerClass = Record<string, { precision: number; recall: number; f1: number; support: number }>;

/** The run's final metrics, grouped by split (val/…, test/…). */
export function FinalMetrics({ metrics }: { metrics: Run['metrics'] }) {
  const entries = Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="muted">No metrics were recorded.</p>;
  return (
    <table aria-label="Final metrics">
      <thead>
        <tr>
          <th>Metric</th>
          <th className="num">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <td>{key}</td>
            <td className="num">{formatMetric(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function isMatrix(value: unknown): value is number[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every((cell) => typeof cell === 'number'));
}

/** Rows: true label, columns: predicted label; the diagonal (right answers) is shaded by its share of the row. */
export function ConfusionMatrix({ details }: { details: Run['details'] }) {
  const labels = details.labels;
  const matrix = details.confusion_matrix;
  if (!Array.isArray(labels) || !isMatrix(matrix) || matrix.length !== labels.length) return null;
  const on = typeof details.confusion_matrix_on === 'string' ? details.confusion_matrix_on : null;
  return (
    <div className="table-scroll">
      <table className="confusion" aria-label="Confusion matrix">
        <caption className="muted small" style={{ textAlign: 'left', padding: 8 }}>
          Rows: true label; columns: predicted label{on ? ` (on the ${on} data)` : ''}.
        </caption>
        <thead>
          <tr>
            <th scope="col">true \ predicted</th>
            {labels.map((label) => (
              <th key={String(label)} scope="col">{String(label)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => {
            const total = row.reduce((sum, cell) => sum + cell, 0) || 1;
            return (
              <tr key={i}>
                <th scope="row">{String(labels[i])}</th>
                {row.map((cell, j) => (
                  <td key={j} style={{ background: cell > 0 ? `color-mix(in srgb, ${i === j ? 'var(--ok)' : 'var(--error)'} ${Math.round((cell / total) * 45)}%, transparent)` : undefined }}>
                    {cell}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Precision, recall, F1 and support for each class (or each label of a multi-label run). */
export function PerClassTable({ details }: { details: Run['details'] }) {
  const perClass = details.per_class as PerClass | undefined;
  if (!perClass || typeof perClass !== 'object') return null;
  return (
    <div className="table-scroll">
      <table aria-label="Per-class precision, recall and F1">
        <thead>
          <tr>
            <th>Class</th>
            <th className="num">Precision</th>
            <th className="num">Recall</th>
            <th className="num">F1</th>
            <th className="num">Support</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(perClass).map(([label, scores]) => (
            <tr key={label}>
              <td>{label}</td>
              <td className="num">{formatMetric(scores.precision)}</td>
              <td className="num">{formatMetric(scores.recall)}</td>
              <td className="num">{formatMetric(scores.f1)}</td>
              <td className="num">{scores.support}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
