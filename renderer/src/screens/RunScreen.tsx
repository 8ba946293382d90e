import { useEffect, useRef } from 'react';
import type { ScreenProps } from './index.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { MetricChart, type ChartSeries } from '../components/MetricChart.tsx';
import { ConfusionMatrix, FinalMetrics, PerClassTable } from '../components/RunResults.tsx';
import { RunSyncState } from '../components/RunSyncState.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDate, formatDuration, formatMetric } from '../lib/format.ts';
import type { Point } from '../lib/lttb.ts';
import { href } from '../router.ts';
import { estimate, useLiveRuns, type LiveRun } from '../store/live-run.ts';
import { isResumable } from '../store/runs.ts';
import { flattenConfig } from '../lib/config-diff.ts';
import { RegisterRun } from '../components/RegisterRun.tsx';
import { LabelFile } from '../components/LabelFile.tsx';
import { TryIt } from '../components/TryIt.tsx';

const NO_POINTS: Point[] = [];

/** Chart series for the given keys, rebuilt only when one of their point arrays changes. */
function useSeries(series: Record<string, Point[]>, keys: string[], names?: Record<string, string>): ChartSeries[] {
  const cache = useRef<ChartSeries[]>([]);
  const previous = cache.current;
  const same = previous.length === keys.length && keys.every((key, i) => previous[i].points === (series[key] ?? NO_POINTS) && previous[i].name === (names?.[key] ?? key));
  if (!same) cache.current = keys.map((key) => ({ name: names?.[key] ?? key, points: series[key] ?? NO_POINTS }));
  return cache.current;
}

function Progress({ live }: { live: LiveRun }) {
  const { lastStep, started, stage, run } = live;
  const eta = estimate(live);
  const total = lastStep?.total_steps ?? started?.total_steps ?? null;
  const fraction = lastStep && total ? lastStep.step / total : null;
  const running = run?.status === 'running' || run?.status === 'queued';
  return (
    <section className="card" aria-labelledby="progress">
      <h2 id="progress">Progress</h2>
      {running && (
        <>
          <div className="small">
            {stage ? stage.message : lastStep ? `Step ${lastStep.step} of ${total}, epoch ${lastStep.epoch + 1}` : 'Starting the trainer…'}
            {eta && ` — about ${formatDuration(eta.secondsLeft)} left (${eta.stepsPerSecond.toFixed(2)} steps/s)`}
          </div>
          <progress aria-label="Training progress" max={1} value={fraction ?? stage?.fraction ?? undefined} />
        </>
      )}
      <dl className="kv">
        <dt>Device</dt>
        <dd>{started?.device_name ?? run?.device ?? '—'}</dd>
        <dt>Precision</dt>
        <dd>{started?.precision ?? run?.precision ?? '—'}</dd>
        {started && (
          <>
            <dt>Data</dt>
            <dd>
              {started.train_rows} training, {started.val_rows} validation{started.test_rows ? `, ${started.test_rows} test` : ''} rows; {started.total_steps} steps
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{formatDate(run?.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run?.durationS)}</dd>
        <dt>Attempts</dt>
        <dd>{run?.attempts ?? '—'}</dd>
      </dl>
    </section>
  );
}

function Charts({ live }: { live: LiveRun }) {
  const loss = useSeries(live.series, ['train/loss'], { 'train/loss': 'training loss' });
  const rate = useSeries(live.series, ['train/learning_rate'], { 'train/learning_rate': 'learning rate' });
  const throughput = useSeries(live.series, ['train/samples_per_s'], { 'train/samples_per_s': 'samples/s' });
  const valKeys = Object.keys(live.series).filter((key) => key.startsWith('val/') && key !== 'val/loss').sort();
  const valOther = useSeries(live.series, valKeys);
  const lossKeys = ['epoch/train/loss', 'val/loss'].filter((key) => live.series[key]);
  const epochLoss = useSeries(live.series, lossKeys, { 'epoch/train/loss': 'training (epoch mean)', 'val/loss': 'validation' });
  return (
    <div className="grid-2">
      <MetricChart title="Training loss" series={loss} />
      <MetricChart title="Learning rate" series={rate} />
      <MetricChart title="Throughput (samples per second)" series={throughput} unit="samples/s" />
      <MetricChart title="Validation metrics per epoch" series={valOther} emptyText="No points yet: validation runs at the end of each epoch." />
      {epochLoss.length > 0 && <MetricChart title="Loss per epoch" series={epochLoss} />}
    </div>
  );
}

/** Run: live charts, progress with ETA, Cancel and Resume; final metrics and per-class results, or the error and log tail. */
export function RunScreen({ params }: ScreenProps) {
  const runId = params.id;
  const live = useLiveRuns((state) => state.runs[runId]);
  useEffect(() => {
    void useLiveRuns.getState().open(runId);
  }, [runId]);
  if (!live || (live.loading && !live.run)) return <h1>Run {runId}</h1>;
  if (live.loadError && !live.run) {
    return (
      <>
        <h1>Run {runId}</h1>
        <ErrorBox error={live.loadError} />
        <a href={href('/history')}>Back to history</a>
      </>
    );
  }
  const run = live.run!;
  const running = run.status === 'running' || run.status === 'queued';
  const failure = run.error ?? (live.trainerError ? { code: live.trainerError.code, message: live.trainerError.message, hint: live.trainerError.hint ?? undefined } : null);
  return (
    <>
      <div className="spread">
        <h1>
          Run {run.experiment} <StatusBadge status={run.status} />
        </h1>
        <div className="row">
          {running && (
            <button type="button" className="danger" onClick={() => void useLiveRuns.getState().cancel(runId)} disabled={live.busy}>
              {live.busy ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {!running && isResumable(run) && (
            <button type="button" className="primary" onClick={() => void useLiveRuns.getState().resume(runId)} disabled={live.busy}>
              Resume run
            </button>
          )}
        </div>
      </div>
      <p className="muted small">
        <span className="mono">{run.id}</span> · dataset {run.datasetId ?? run.config.data.train_path} · model {run.modelId}
        <RunSyncState runId={run.id} />
      </p>
      {live.actionError && <ErrorBox error={live.actionError} />}
      {run.status === 'cancelled' && <p role="status">Cancelled: the last checkpoint was kept. Resume continues from it.</p>}
      {run.status === 'interrupted' && <p role="status">Airlock stopped while this run was training. Resume continues from its last checkpoint.</p>}
      {run.status === 'failed' && failure && (
        <section aria-labelledby="failure">
          <h2 id="failure">What went wrong</h2>
          <ErrorBox error={failure} />
          {run.stderrTail && (
            <details open>
              <summary>Log tail</summary>
              <pre aria-label="Log tail">{run.stderrTail}</pre>
            </details>
          )}
        </section>
      )}
      <Progress live={live} />
      <Charts live={live} />
      {run.status === 'completed' && (
        <section aria-labelledby="results" style={{ marginTop: 16 }}>
          <h2 id="results">Results</h2>
          <div className="grid-2">
            <div className="card">
              <h3>Final metrics</h3>
              <FinalMetrics metrics={run.metrics} />
              {run.modelDir && <RegisterRun run={run} />}
              {run.modelDir && (
                <p className="small muted" style={{ marginTop: 8 }}>
                  Model saved in <span className="mono">{run.modelDir}</span>
                </p>
              )}
            </div>
            {'per_class' in run.details && (
              <div className="card">
                <h3>Per-class precision, recall and F1</h3>
                <PerClassTable details={run.details} />
              </div>
            )}
          </div>
          {'confusion_matrix' in run.details && (
            <div className="card">
              <h3>Confusion matrix</h3>
              <ConfusionMatrix details={run.details} />
            </div>
          )}
          {run.modelDir && (
            <>
              <TryIt target={{ runId: run.id }} title="Try this run's model" />
              <LabelFile target={{ runId: run.id }} />
            </>
          )}
        </section>
      )}
      <details className="card">
        <summary>Settings of this run</summary>
        <table aria-label="Run settings">
          <tbody>
            {Object.entries(flattenConfig(run.config)).map(([field, value]) => (
              <tr key={field}>
                <td className="mono">{field}</td>
                <td>{value === '' ? <span className="muted">(empty)</span> : value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {!running && run.status !== 'completed' && Object.keys(run.metrics).length > 0 && (
        <div className="card">
          <h3>Last metrics</h3>
          <p>{Object.entries(run.metrics).map(([key, value]) => `${key} ${formatMetric(value)}`).join(' · ')}</p>
        </div>
      )}
    </>
  );
}
