import { codeFile, codeName, codeReferences, isCodeReference } from '../../../schemas/extensions.ts';

/** How a loss or metric setting reads in the form: `focal (gamma 2)`, `MulticlassAUROC`, `losses.py:focal_loss`. */
function describe(value: unknown): string {
  const short = (path: string) => `${codeFile(path).split(/[\\/]/).pop()}:${codeName(path)}`;
  if (typeof value === 'string') return isCodeReference(value) ? short(value) : value;
  if (!value || typeof value !== 'object') return String(value);
  const setting = value as Record<string, unknown>;
  if (typeof setting.path === 'string') return short(setting.path);
  if (typeof setting.torchmetrics === 'string') return `torchmetrics ${setting.torchmetrics}`;
  const options = Object.entries(setting).filter(([key]) => key !== 'name').map(([key, option]) => `${key} ${JSON.stringify(option)}`);
  return `${String(setting.name)}${options.length ? ` (${options.join(', ')})` : ''}`;
}

/**
 * The loss, extra metrics, callbacks and preprocessing a config names (set in its YAML), and, when any of them is
 * the team's own Python, the one question the run needs: may that code run in the trainer? Lists the files.
 */
export function CustomCodePanel({ draft, errors, onAllow }: { draft: Record<string, unknown>; errors: Record<string, string>; onAllow(allowed: boolean): void }) {
  const training = (draft.training ?? {}) as Record<string, unknown>;
  const evaluation = (draft.evaluation ?? {}) as Record<string, unknown>;
  const data = (draft.data ?? {}) as Record<string, unknown>;
  const metrics = Array.isArray(evaluation.metrics) ? evaluation.metrics : [];
  const callbacks = Array.isArray(training.callbacks) ? training.callbacks : [];
  const code = codeReferences(draft);
  const loss = training.loss ?? 'cross_entropy';
  if (loss === 'cross_entropy' && !metrics.length && !callbacks.length && !data.preprocess) return null;
  const problems = ['training.loss', 'training.callbacks', 'evaluation.metrics', 'data.preprocess'].map((path) => errors[path]).filter(Boolean);
  return (
    <div className="card" aria-labelledby="custom-code-title">
      <h3 id="custom-code-title">Loss, extra metrics and your own code</h3>
      <ul>
        <li>Loss: {describe(loss)}</li>
        {metrics.length > 0 && <li>Extra metrics: {metrics.map(describe).join(', ')}</li>}
        {callbacks.length > 0 && <li>Callbacks: {callbacks.map(describe).join(', ')}</li>}
        {Boolean(data.preprocess) && <li>Preprocessing: {describe(data.preprocess)}</li>}
      </ul>
      {code.length > 0 && (
        <div className="field checkbox">
          <p className="muted">
            This config runs Python from {[...new Set(code.map(({ reference }) => codeFile(reference.path)))].join(', ')} in the training process. Airlock copies
            each file into the run with its SHA-256. Only allow code you trust.
          </p>
          <label htmlFor="field-allow_custom_code">
            <input id="field-allow_custom_code" type="checkbox" checked={draft.allow_custom_code === true} onChange={(event) => onAllow(event.target.checked)} />
            Allow this code to run (allow_custom_code)
          </label>
        </div>
      )}
      {problems.map((problem) => (
        <p key={problem} className="field-error" role="alert" style={{ color: 'var(--error)' }}>
          {problem}
        </p>
      ))}
      <p className="muted">Change these in the YAML config (see the README, “Your own code in a run”).</p>
    </div>
  );
}
