import { useEffect, useId, useState } from 'react';
import type { PredictTarget } from '../../../schemas/predict.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { useGenerate } from '../store/generate.ts';

/** A number typed in a field, or the reason it cannot be used. */
function parsed(text: string, { min, max, integer }: { min: number; max: number; integer: boolean }): { value: number } | { problem: string } {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return { problem: 'Type a number.' };
  if (integer && !Number.isInteger(value)) return { problem: 'Type a whole number.' };
  if (value < min || value > max) return { problem: `Between ${min} and ${max}.` };
  return { value };
}

function NumberField({ id, label, help, text, problem, onChange, step }: { id: string; label: string; help: string; text: string; problem: string | null; onChange(text: string): void; step: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" step={step} value={text} onChange={(event) => onChange(event.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={`${id}-help`} style={{ width: '8em' }} />
      <div className="help" id={`${id}-help`}>
        {help}
      </div>
      {problem && <div className="field-error">{problem}</div>}
    </div>
  );
}

/** A language model's "try it": type a prompt and watch the answer arrive token by token. */
export function PromptBox({ target, title = 'Try it' }: { target: PredictTarget; title?: string }) {
  const [prompt, setPrompt] = useState('');
  const [maxNewTokens, setMaxNewTokens] = useState('64');
  const [temperature, setTemperature] = useState('0');
  const generating = useGenerate((state) => state.requestId !== null);
  const text = useGenerate((state) => state.text);
  const answer = useGenerate((state) => state.answer);
  const error = useGenerate((state) => state.error);
  const headingId = useId();
  const promptId = useId();
  const tokensId = useId();
  const temperatureId = useId();
  useEffect(() => useGenerate.getState().selectTarget(target), [target]);
  const tokens = parsed(maxNewTokens, { min: 1, max: 4096, integer: true });
  const heat = parsed(temperature, { min: 0, max: 5, integer: false });
  const ready = 'value' in tokens && 'value' in heat && prompt.trim() !== '';
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form
        aria-label="Prompt the model"
        onSubmit={(event) => {
          event.preventDefault();
          if ('value' in tokens && 'value' in heat) void useGenerate.getState().generate(target, prompt, { maxNewTokens: tokens.value, temperature: heat.value });
        }}
      >
        <div className="field">
          <label htmlFor={promptId}>Prompt</label>
          <textarea id={promptId} value={prompt} onChange={(event) => setPrompt(event.target.value)} rows={4} />
          <div className="help">Written to the model as the prompts of its training data were.</div>
        </div>
        <div className="row">
          <NumberField id={tokensId} label="Max new tokens" help="The answer stops after this many tokens at most." step="1" text={maxNewTokens} onChange={setMaxNewTokens} problem={'problem' in tokens ? tokens.problem : null} />
          <NumberField
            id={temperatureId}
            label="Temperature"
            help="0: the most likely token each time, so the same answer every time. Higher: more varied answers."
            step="0.1"
            text={temperature}
            onChange={setTemperature}
            problem={'problem' in heat ? heat.problem : null}
          />
        </div>
        <button type="submit" className="primary" disabled={generating || !ready}>
          {generating ? 'Generating…' : 'Generate'}
        </button>
        {generating && text === '' && <span className="small muted"> The first answer loads the model (several seconds); later ones start quickly.</span>}
      </form>
      {error && <ErrorBox error={error} title="No answer" />}
      {(generating || answer) && (
        <div>
          <div className="small muted">Answer</div>
          <pre role="status" aria-label="Answer" aria-live="polite" aria-busy={generating} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {text === '' && !generating ? <span className="muted">(nothing: the model ended its answer at once)</span> : text}
          </pre>
          {answer && (
            <p className="small muted" aria-label="Answer length">
              {answer.tokens} {answer.tokens === 1 ? 'token' : 'tokens'} in {answer.durationS.toFixed(1)} s.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
