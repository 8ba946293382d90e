import { useEffect, useId, useState } from 'react';
import type { RuntimeState } from '../../../schemas/runtime.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { formatDate } from '../lib/format.ts';
import { navigate } from '../router.ts';
import { bridge } from '../services/bridge.ts';
import { INSTALL_STEPS, useRuntime } from '../store/runtime.ts';

/** The heading of the first start, when no trainer runtime is present at all. */
export const FIRST_START_TITLE = 'Install the training runtime from removable media';

/** What the trainer runs with now, in a sentence or two. */
function CurrentRuntime({ state }: { state: RuntimeState }) {
  const { installed } = state;
  return (
    <>
      {state.source === 'none' && (
        <p>
          No training runtime is present. You can import data and look at models, but training needs the runtime: a pack named like{' '}
          <span className="mono">airlock-runtime-0.1.0-linux-x86_64-py3.11-cpu.tar</span>, carried in on removable media with the app.
        </p>
      )}
      {state.source === 'environment-variable' && (
        <p>
          Trainer commands use the Python named by AIRLOCK_PYTHON: <span className="mono wrap">{state.python}</span>.
        </p>
      )}
      {state.source === 'development' && (
        <p>
          Trainer commands use a development environment: <span className="mono wrap">{state.python}</span> (a source checkout&apos;s .venv).
        </p>
      )}
      {installed && (
        <dl className="kv" aria-label="Installed runtime">
          <dt>Runtime</dt>
          <dd>
            {installed.runtime.version} {installed.runtime.variant}
            {state.source !== 'installed' && ' (installed, but not the one in use)'}
          </dd>
          <dt>torch</dt>
          <dd>
            {installed.runtime.torch} ({installed.runtime.variant === 'cpu' ? 'CPU build' : `CUDA build ${installed.runtime.variant}`}), Python {installed.runtime.python}
          </dd>
          <dt>Seen at install</dt>
          <dd>{installed.selfCheck.devices}</dd>
          <dt>Installed</dt>
          <dd>{formatDate(installed.installedAt)}</dd>
        </dl>
      )}
      {state.problem && <div className="alert warning" role="status">{state.problem}</div>}
    </>
  );
}

/** One install step: waiting, running (with its latest line and bar), done, or where it failed. */
function Steps() {
  const { stage, steps, installing, installError } = useRuntime();
  const at = stage === 'done' ? INSTALL_STEPS.length : INSTALL_STEPS.findIndex((step) => step.stage === stage);
  return (
    <ol className="stack" aria-label="Install steps" style={{ paddingLeft: 20 }}>
      {INSTALL_STEPS.map((step, index) => {
        const progress = steps[step.stage];
        const status = index < at ? 'done' : index > at ? 'not started' : installError ? 'failed' : installing ? 'running' : 'done';
        return (
          <li key={step.stage} aria-label={`${step.label}: ${status}`}>
            <strong>{step.label}</strong> — <span className={status === 'failed' ? 'field-error' : status === 'done' ? 'reason' : 'muted'}>{status}</span>
            {progress && status !== 'not started' && <div className="small muted wrap">{progress.message}</div>}
            {status === 'running' && progress?.fraction != null && <ProgressBar label={step.label} fraction={progress.fraction} />}
          </li>
        );
      })}
    </ol>
  );
}

/** The runtime: shown on the first start when there is none, and later to install a newer pack. */
export function RuntimeScreen() {
  const { state, loadError, installing, stage, installed, installError, load, install } = useRuntime();
  const [path, setPath] = useState('');
  const fieldId = useId();
  useEffect(() => {
    void load();
  }, [load]);
  const firstStart = state?.source === 'none' && !installed;
  const choose = async () => {
    const chosen = await bridge().choosePath('runtime-pack');
    if (chosen) setPath(chosen);
  };

  return (
    <>
      <h1>{firstStart ? FIRST_START_TITLE : 'Training runtime'}</h1>
      <section className="card" aria-labelledby="runtime-now">
        <h2 id="runtime-now">In use</h2>
        {loadError && <ErrorBox error={loadError} />}
        {state ? <CurrentRuntime state={state} /> : !loadError && <p className="muted">Looking…</p>}
      </section>
      <section className="card" aria-labelledby="runtime-install">
        <h2 id="runtime-install">{state?.installed ? 'Install a newer pack' : 'Install from a runtime pack'}</h2>
        <p className="muted small">
          The pack is checked file by file against its manifest, then installed into this data folder with no network. The new runtime replaces the one in use only
          after it has trained two steps; if anything fails, the one in use stays.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (path.trim() && !installing) void install(path.trim());
          }}
        >
          <div className="field">
            <label htmlFor={fieldId}>Runtime pack (.tar)</label>
            <div className="row">
              <input id={fieldId} type="text" value={path} onChange={(event) => setPath(event.target.value)} placeholder="/media/usb/airlock-runtime-….tar" spellCheck={false} disabled={installing} />
              {bridge().host === 'electron' && (
                <button type="button" onClick={() => void choose()} disabled={installing}>
                  Choose…
                </button>
              )}
            </div>
            <div className="help">A full path on this machine, such as /media/usb/airlock-runtime-0.1.0-linux-x86_64-py3.11-cpu.tar.</div>
          </div>
          <button type="submit" className="primary" disabled={installing || !path.trim()}>
            {installing ? 'Installing…' : 'Install'}
          </button>
        </form>
        {stage && <Steps />}
        {installError && <ErrorBox error={installError} title="The runtime was not installed" />}
        {installed && (
          <div role="status" aria-label="Self-check passed">
            <p>
              <strong>
                Runtime {installed.runtime.version} {installed.runtime.variant} is installed and in use.
              </strong>{' '}
              Self-check passed: {installed.selfCheck.devices}; trained {installed.selfCheck.steps} steps in {installed.selfCheck.seconds.toFixed(1)} s.
            </p>
            <button type="button" className="primary" onClick={() => navigate('/')}>
              Continue to Home
            </button>
          </div>
        )}
      </section>
    </>
  );
}
