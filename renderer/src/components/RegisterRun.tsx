import { useEffect, useId, useMemo, useState } from 'react';
import type { Stage } from '../../../schemas/registry.ts';
import type { Run } from '../../../schemas/run.ts';
import { href } from '../router.ts';
import { useRegistry } from '../store/registry.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { StageSelect } from './StageSelect.tsx';

/** The registry stages a new version can get (archived is for retiring versions, not new ones). */
const NEW_VERSION_STAGES = ['none', 'staging', 'production'] as const;

/**
 * "Register" on a completed run: its model becomes the next version of a named model, in the stage its config asks
 * for. A run already registered says as what ("Registered as tickets v1 (production)") instead of offering the form.
 */
export function RegisterRun({ run }: { run: Run }) {
  const [name, setName] = useState(run.experiment.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200) || 'model');
  const [stage, setStage] = useState<Stage>(run.config?.deployment?.stage ?? 'staging');
  const registering = useRegistry((state) => state.registering);
  const error = useRegistry((state) => state.registerError);
  const models = useRegistry((state) => state.models);
  const versions = useMemo(() => models.flatMap((model) => model.versions).filter((version) => version.runId === run.id), [models, run.id]);
  const loaded = useRegistry((state) => state.loaded);
  const loadError = useRegistry((state) => state.error);
  const nameId = useId();
  useEffect(() => {
    void useRegistry.getState().load();
  }, [run.id]);
  if (!loaded && !loadError) return null;
  if (versions.length > 0) {
    return (
      <p role="status" aria-label="Registration" className="long-text">
        Registered as{' '}
        {versions.map((version, index) => (
          <span key={`${version.name}@${version.version}`}>
            {index > 0 && ', '}
            <a href={href(`/registry/${encodeURIComponent(version.name)}`)}>
              {version.name} v{version.version}
            </a>{' '}
            ({version.stage})
          </span>
        ))}
        .
      </p>
    );
  }
  return (
    <form
      className="row"
      aria-label="Register this run's model"
      onSubmit={(event) => {
        event.preventDefault();
        void useRegistry.getState().register(run.id, name.trim(), stage);
      }}
    >
      <label htmlFor={nameId}>Model name</label>
      <input id={nameId} type="text" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
      <StageSelect label="Stage of the new version" value={stage} what={`this run's model`} options={NEW_VERSION_STAGES} onChange={setStage} />
      <button type="submit" disabled={registering || !name.trim()}>
        {registering ? 'Registering…' : 'Register'}
      </button>
      {error && <ErrorBox error={error} title="Not registered" />}
    </form>
  );
}
