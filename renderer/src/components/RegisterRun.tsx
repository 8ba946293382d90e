import { useId, useState } from 'react';
import type { Run } from '../../../schemas/run.ts';
import { href } from '../router.ts';
import { useRegistry } from '../store/registry.ts';
import { ErrorBox } from './ErrorBox.tsx';

/** "Register" on a completed run: its model becomes the next version of a named model. */
export function RegisterRun({ run }: { run: Run }) {
  const [name, setName] = useState(run.experiment.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'model');
  const registering = useRegistry((state) => state.registering);
  const registered = useRegistry((state) => state.registered);
  const error = useRegistry((state) => state.registerError);
  const nameId = useId();
  const mine = registered?.runId === run.id ? registered : null;
  return (
    <form
      className="row"
      aria-label="Register this run's model"
      onSubmit={(event) => {
        event.preventDefault();
        void useRegistry.getState().register(run.id, name.trim());
      }}
    >
      <label htmlFor={nameId}>Model name</label>
      <input id={nameId} type="text" value={name} onChange={(event) => setName(event.target.value)} />
      <button type="submit" disabled={registering || !name.trim()}>
        {registering ? 'Registering…' : 'Register'}
      </button>
      {mine && (
        <span role="status">
          Registered as <a href={href(`/registry/${encodeURIComponent(mine.name)}`)}>{mine.name} v{mine.version}</a>
        </span>
      )}
      {error && <ErrorBox error={error} title="Not registered" />}
    </form>
  );
}
