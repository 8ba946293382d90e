import { useEffect, useMemo, useState } from 'react';
import { ClusterExportDialog } from '../components/ClusterExportDialog.tsx';
import { EffectiveBatch } from '../components/EffectiveBatch.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { validateConfig } from '../lib/config-form.ts';
import { navigate } from '../router.ts';
import { useDevices } from '../store/devices.ts';
import { useNewRun } from '../store/new-run.ts';

/** The cluster dialog's first guess: the config's own nodes and devices when it names them, else 2 nodes of this machine's GPUs. */
function clusterDefaults(training: Record<string, unknown> | undefined, gpusFound: number): { nodes: number; gpusPerNode: number } {
  const nodes = typeof training?.num_nodes === 'number' && training.num_nodes > 1 ? training.num_nodes : 2;
  const gpusPerNode = typeof training?.devices === 'number' ? training.devices : Math.max(gpusFound, 1);
  return { nodes, gpusPerNode };
}

/** The New run wizard's last step: the config as YAML, its effective batch size, then export, run on a cluster, or start. */
export function ReviewStep() {
  const yaml = useNewRun((state) => state.yaml);
  const draft = useNewRun((state) => state.draft);
  const starting = useNewRun((state) => state.starting);
  const startError = useNewRun((state) => state.startError);
  const exported = useNewRun((state) => state.exported);
  const gpusFound = useDevices((state) => state.devices?.devices.filter((device) => device.kind === 'cuda').length ?? 0);
  const [cluster, setCluster] = useState(false);
  const { goTo, exportYaml, start, reset } = useNewRun.getState();
  useEffect(() => {
    if (!yaml) goTo('settings');
  }, [yaml, goTo]);
  const config = useMemo(() => validateConfig(draft).config, [draft]);
  if (!yaml) return null;
  return (
    <section aria-labelledby="step-review">
      <h2 id="step-review">Review</h2>
      <p className="muted">This is the config the run will use. Export it to keep it or to run it from the command line (<code>airlock train run.yaml</code>).</p>
      <EffectiveBatch training={draft?.training} />
      <pre aria-label="Config YAML" tabIndex={0}>{yaml}</pre>
      {exported === true && <p role="status">Config exported.</p>}
      {startError && <ErrorBox error={startError} title="The run could not start" />}
      <div className="row">
        <button type="button" onClick={() => goTo('settings')}>
          Back
        </button>
        <button type="button" onClick={() => void exportYaml()}>
          Export YAML
        </button>
        <button type="button" onClick={() => setCluster(true)} disabled={cluster || !config} aria-expanded={cluster}>
          Run on a cluster
        </button>
        <button
          type="button"
          className="primary"
          disabled={starting}
          onClick={() =>
            void start().then((runId) => {
              if (!runId) return;
              reset();
              navigate(`/runs/${runId}`);
            })
          }
        >
          {starting ? 'Starting…' : 'Start training'}
        </button>
      </div>
      {cluster && config && <ClusterExportDialog config={config} defaults={clusterDefaults(draft?.training as Record<string, unknown> | undefined, gpusFound)} onClose={() => setCluster(false)} />}
    </section>
  );
}
