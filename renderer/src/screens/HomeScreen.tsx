import { useEffect } from 'react';
import type { DevicesEvent } from '../../../schemas/events.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Name } from '../components/Name.tsx';
import { RuntimeLine } from '../components/RuntimeLine.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { formatBytes, formatDate, formatDuration, formatMetric } from '../lib/format.ts';
import { href } from '../router.ts';
import { useDatasets } from '../store/datasets.ts';
import { useDevices } from '../store/devices.ts';
import { primaryMetric, useRuns } from '../store/runs.ts';
import { useSync } from '../store/sync.ts';

function DeviceList({ devices }: { devices: DevicesEvent }) {
  const gpus = devices.devices.filter((device) => device.kind === 'cuda');
  if (gpus.length === 0) {
    return (
      <div>
        <p>
          <strong>CPU only</strong> — {devices.cpu_only_reason ?? 'no GPU was found.'}
        </p>
        <p className="muted small">
          Training runs on {devices.cpu_threads} CPU thread{devices.cpu_threads === 1 ? '' : 's'} (torch {devices.torch_version}). Small models and datasets train in minutes; larger ones need a GPU.
        </p>
      </div>
    );
  }
  return (
    <table aria-label="GPUs">
      <thead>
        <tr>
          <th>GPU</th>
          <th className="num">Memory</th>
          <th>Compute capability</th>
          <th>bf16</th>
        </tr>
      </thead>
      <tbody>
        {gpus.map((gpu) => (
          <tr key={gpu.index}>
            <td>
              {gpu.index}: {gpu.name}
            </td>
            <td className="num">{formatBytes(gpu.memory_bytes)}</td>
            <td>{gpu.compute_capability ?? '—'}</td>
            <td>{gpu.bf16 ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NextStep() {
  const datasets = useDatasets((state) => state.datasets);
  const datasetsLoaded = useDatasets((state) => state.loaded);
  const runs = useRuns((state) => state.runs);
  const running = runs.find((run) => run.status === 'running');
  if (!datasetsLoaded) return <p className="muted">Looking at your data…</p>;
  if (running) {
    return (
      <p>
        A run is training now.{' '}
        <a href={href(`/runs/${running.id}`)}>
          Watch run <Name text={running.experiment} lines={1} />
        </a>
      </p>
    );
  }
  if (datasets.length === 0) {
    return (
      <p>
        Start by importing your data: a CSV, TSV, JSON Lines or Parquet file with a text column and a label column.{' '}
        <a className="button primary" href={href('/datasets')}>Import a dataset</a>
      </p>
    );
  }
  if (runs.length === 0) {
    return (
      <p>
        You have {datasets.length} dataset{datasets.length === 1 ? '' : 's'}. Train a first model on it.{' '}
        <a className="button primary" href={href('/new')}>Start a new run</a>
      </p>
    );
  }
  return (
    <p>
      Compare your runs, or train another one with different settings.{' '}
      <a className="button" href={href('/history')}>Open history</a> <a className="button primary" href={href('/new')}>Start a new run</a>
    </p>
  );
}

const REACHABILITY: Record<string, string> = {
  reachable: 'reachable',
  unreachable: 'not reachable from this machine',
  unknown: 'not checked yet',
  'not-configured': 'not configured',
};

/** Where runs go when the machine can reach the organisation's MLflow, and how many are waiting. */
function MlflowStatus() {
  const status = useSync((state) => state.status);
  const error = useSync((state) => state.error);
  useEffect(() => {
    void useSync.getState().load();
  }, []);
  const configured = status?.trackingUri != null;
  return (
    <>
      <dl className="kv">
        <dt>Network</dt>
        <dd>Not needed: data, models and training stay on this machine.</dd>
        <dt>MLflow</dt>
        <dd>
          {!status
            ? error
              ? 'status unavailable'
              : 'checking…'
            : configured
              ? `${status.trackingUri} (${REACHABILITY[status.reachability.state] ?? status.reachability.state})`
              : 'Not configured. Runs are kept in the local history until a tracking server is set up.'}
        </dd>
        {configured && status && (
          <>
            <dt>Waiting to sync</dt>
            <dd>
              {status.counts.pending} pending, {status.counts.failed} failed, {status.counts.synced} synced
            </dd>
          </>
        )}
      </dl>
      {error && <ErrorBox error={error} />}
      <p style={{ marginTop: 8 }}>
        <a href={href('/sync')}>{configured ? 'Open sync' : 'Set up MLflow sync'}</a>
      </p>
    </>
  );
}

/** Home: devices, network and MLflow status, recent runs, and the next step to take. */
export function HomeScreen() {
  const { devices, loading, error, load } = useDevices();
  const runs = useRuns((state) => state.runs);
  const runsLoaded = useRuns((state) => state.loaded);
  useEffect(() => {
    if (!useDevices.getState().devices) void load();
    void useRuns.getState().load();
    void useDatasets.getState().load();
  }, [load]);

  return (
    <>
      <h1>Home</h1>
      <section className="card" aria-labelledby="next-step">
        <h2 id="next-step">Next step</h2>
        <NextStep />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="devices">
          <div className="spread">
            <h2 id="devices">Devices</h2>
            <button type="button" onClick={() => void load()} disabled={loading}>
              {loading ? 'Checking…' : 'Check again'}
            </button>
          </div>
          <RuntimeLine />
          {error && <ErrorBox error={error} />}
          {devices ? <DeviceList devices={devices} /> : loading && <p className="muted">Looking for GPUs (starting the trainer takes a few seconds)…</p>}
        </section>
        <section className="card" aria-labelledby="network">
          <h2 id="network">Network and MLflow</h2>
          <MlflowStatus />
        </section>
      </div>
      <section className="card" aria-labelledby="recent-runs">
        <h2 id="recent-runs">Recent runs</h2>
        {runsLoaded && runs.length === 0 ? (
          <EmptyState title="No runs yet.">
            <p>
              Import a dataset, then <a href={href('/new')}>start a new run</a>.
            </p>
          </EmptyState>
        ) : (
          <table aria-label="Recent runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Model</th>
                <th className="num">Best metric</th>
                <th className="num">Duration</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {runs.slice(0, 5).map((run) => {
                const metric = primaryMetric(run);
                return (
                  <tr key={run.id}>
                    <td>
                      <a href={href(`/runs/${run.id}`)}>
                        <Name text={run.experiment} />
                      </a>{' '}
                      <span className="muted small mono">{run.id}</span>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>{run.modelId}</td>
                    <td className="num">{metric ? `${metric.key} ${formatMetric(metric.value)}` : '—'}</td>
                    <td className="num">{formatDuration(run.durationS)}</td>
                    <td>{formatDate(run.startedAt ?? run.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
