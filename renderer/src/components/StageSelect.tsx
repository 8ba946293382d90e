import { useState } from 'react';
import { Stage } from '../../../schemas/registry.ts';

/**
 * A registry stage picker. Choosing production is what other machines and people load as "the" model, so it asks
 * once more before the change is made; every other stage applies at once.
 */
export function StageSelect({ label, value, what, options = Stage.options, onChange }: { label: string; value: Stage; what: string; options?: readonly Stage[]; onChange(stage: Stage): void }) {
  const [pending, setPending] = useState<Stage | null>(null);
  return (
    <span className="stage-select">
      <select
        aria-label={label}
        value={pending ?? value}
        onChange={(event) => {
          const stage = event.target.value as Stage;
          if (stage === 'production' && value !== 'production') setPending(stage);
          else {
            setPending(null);
            onChange(stage);
          }
        }}
      >
        {options.map((stage) => (
          <option key={stage} value={stage}>
            {stage}
          </option>
        ))}
      </select>
      {pending && (
        <span role="alertdialog" aria-label="Confirm production" className="confirm">
          Make {what} the production model? Anyone loading the production model gets it.{' '}
          <button
            type="button"
            className="primary"
            onClick={() => {
              setPending(null);
              onChange('production');
            }}
          >
            Make production
          </button>{' '}
          <button type="button" onClick={() => setPending(null)}>
            Keep {value}
          </button>
        </span>
      )}
    </span>
  );
}
