import { useEffect } from 'react';
import type { ScreenProps } from './index.ts';
import { runDataCounts } from '../../../schemas/run.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { GenerationsPanel, generationRoundsOf } from '../components/GenerationsPanel.tsx';
import { Name } from '../components/Name.tsx';
import { RunCharts } from '../components/RunCharts.tsx';
import { RunProgressPanel } from '../components/RunProgressPanel.tsx';
import { ConfusionMatrix, FinalMetrics, PerClassTable } from '../components/RunResults.tsx';
import { RunSyncState } from '../components/RunSyncState.tsx';
import { SplitSizeNote } from '../components/SplitSizeNote.tsx';
import { LeftOutNote } from '../components/LeftOutNote.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { ClusterRunFacts } from '../components/ClusterRunFacts.tsx';
import { formatMetric } from '../lib/format.ts';
import { href } from '../router.ts';
import { useDatasets } from '../store/datasets.ts';
import { useLiveRuns } from '../store/live-run.ts';
import { isResumable } from '../store/runs.ts';
import { flattenConfig } from '../lib/config-diff.ts';
import { RegisterRun } from '../components/RegisterRun.tsx';
import { TryModel } from '../components/TryModel.tsx';
import { MistakesGallery, mistakesOf } from '../components/MistakesGallery.tsx';

/** Run: live charts, progress with ETA, Cancel and Resume; final metrics and per-class results, or the error and log tail. */
export function RunScreen({ params }: ScreenProps) {
  const runId = params.id;
  const live = useLiveRuns((state) => state.runs[runId]);
  const datasetId = live?.run?.datasetId;
  const datasetName = useDatasets((state) => state.datasets.find((dataset) => dataset.id === datasetId)?.name);
  useEffect(() => {
    void useLiveRuns.getState().open(runId);
    void useDatasets.getState().load();
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
  const counts = live.started ?? runDataCounts(run);
  // A causal_lm run writes text: no labels to count right or wrong, so no F1, accuracy or confusion matrix.
  const generative = run.config.model?.task === 'causal_lm';
  const failure = run.error ?? (live.trainerError ? { code: live.trainerError.code, message: live.trainerError.message, hint: live.trainerError.hint ?? undefined } : null);
  return (
    <>
      <div className="spread">
        <h1>
          Run <Name text={run.experiment} /> <StatusBadge status={run.status} />
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
        <span className="mono">{run.id}</span> · dataset <Name text={datasetName ?? run.datasetId ?? run.config.data.train_path} lines={1} /> · model{' '}
        <Name text={run.modelId} lines={1} />
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
      <RunProgressPanel live={live} />
      <ClusterRunFacts run={run} />
      {live.preflight && (
        <p className={live.preflight.warning ? 'alert warning' : 'muted small'} role="note" aria-label="Memory and time estimate">
          {live.preflight.message}
        </p>
      )}
      <RunCharts series={live.series} generative={generative} />
      {generative && (
        <>
          <p className="muted small" style={{ marginTop: 8 }}>
            Perplexity follows the validation loss (it is e to the power of the loss): roughly how many tokens (word pieces) the model hesitates between at each token of a reference
            answer. 1 would mean it is sure every time.
          </p>
          <GenerationsPanel rounds={generationRoundsOf(live.generations, run.details)} planned={run.config.evaluation.sample_generations} running={running} />
        </>
      )}
      {run.status === 'completed' && (
        <section aria-labelledby="results" style={{ marginTop: 16 }}>
          <h2 id="results">Results</h2>
          <div className="grid-2">
            <div className="card">
              <h3>Final metrics</h3>
              <FinalMetrics metrics={run.metrics} />
              {counts && !generative && <SplitSizeNote run={run} counts={counts} />}
              <LeftOutNote run={run} />
              {run.modelDir && <RegisterRun run={run} />}
              {run.modelDir && (
                <p className="small muted" style={{ marginTop: 8 }}>
                  Model saved in <span className="mono">{run.modelDir}</span>
                </p>
              )}
            </div>
            {!generative && 'per_class' in run.details && (
              <div className="card">
                <h3>Per-class precision, recall and F1</h3>
                <PerClassTable details={run.details} />
              </div>
            )}
          </div>
          {mistakesOf(run.details).length > 0 && <MistakesGallery mistakes={mistakesOf(run.details)} on={String(run.details.confusion_matrix_on ?? 'validation')} />}
          {!generative && 'confusion_matrix' in run.details && (
            <div className="card">
              <h3>Confusion matrix</h3>
              <ConfusionMatrix details={run.details} />
            </div>
          )}
          {run.modelDir && <TryModel target={{ runId: run.id }} datasetId={run.datasetId} task={generative ? 'causal_lm' : 'classification'} title="Try this run's model" />}
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
