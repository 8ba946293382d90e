import { useEffect, useMemo, useState } from 'react';
import type { Run } from '../../../schemas/run.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { Name } from '../components/Name.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { MetricChart, type ChartSeries } from '../components/MetricChart.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDate, formatDuration, formatMetric } from '../lib/format.ts';
import { href } from '../router.ts';
import { useCompare } from '../store/compare.ts';
import { diffConfigs } from '../lib/config-diff.ts';
import { byEpoch, EPOCH_KEY, metricRange } from '../lib/metric-axis.ts';
import { primaryMetric, useRuns } from '../store/runs.ts';
import { useDatasets } from '../store/datasets.ts';
import { RunStatus, clusterDetails } from '../../../schemas/run.ts';
import { ImportClusterRun } from '../components/ImportClusterRun.tsx';
import { describeCluster } from '../lib/cluster-run.ts';

type SortKey = 'experiment' | 'status' | 'dataset' | 'model' | 'metric' | 'duration' | 'created';

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'experiment', label: 'Run' },
  { key: 'status', label: 'Status' },
  { key: 'dataset', label: 'Dataset' },
  { key: 'model', label: 'Model' },
  { key: 'metric', label: 'Best metric', numeric: true },
  { key: 'duration', label: 'Duration', numeric: true },
  { key: 'created', label: 'Created' },
];

function sortValue(run: Run, key: SortKey): string | number {
  switch (key) {
    case 'experiment':
      return run.experiment.toLowerCase();
    case 'status':
      return run.status;
    case 'dataset':
      return run.datasetId ?? run.config.data.train_path;
    case 'model':
      return run.modelId;
    case 'metric':
      return primaryMetric(run)?.value ?? -Infinity;
    case 'duration':
      return run.durationS ?? -Infinity;
    case 'created':
      return run.createdAt;
  }
}

/** Training loss and the main validation metric of the selected runs, overlaid; their configs side by side. */
function Comparison({ runs }: { runs: Run[] }) {
  const curves = useCompare((state) => state.curves);
  const error = useCompare((state) => state.error);
  const [onlyDifferences, setOnlyDifferences] = useState(true);
  const ids = runs.map((run) => run.id).join(',');
  useEffect(() => {
    void useCompare.getState().load(ids.split(','));
  }, [ids]);
  // Legends and captions have no room for a 200-character experiment name; the runs table above shows it whole.
  const label = (run: Run) => `${run.experiment.length > 40 ? `${run.experiment.slice(0, 39)}…` : run.experiment} (${run.id.slice(-6)})`;
  const valKey = ['val/f1_macro', 'val/r2', 'val/accuracy', 'val/loss'].find((key) => runs.some((run) => curves[run.id]?.[key]?.length)) ?? 'val/loss';
  const loss: ChartSeries[] = useMemo(() => runs.map((run) => ({ name: label(run), points: curves[run.id]?.['train/loss'] ?? [] })), [runs, curves]);
  // Per-epoch values against the epoch: runs of different batch sizes have different steps but comparable epochs.
  const validation: ChartSeries[] = useMemo(
    () => runs.map((run) => ({ name: label(run), points: byEpoch(curves[run.id]?.[valKey] ?? [], curves[run.id]?.[EPOCH_KEY]) })),
    [runs, curves, valKey],
  );
  const rows = diffConfigs(runs.map((run) => run.config)).filter((row) => !onlyDifferences || row.differs);
  return (
    <section aria-labelledby="compare" style={{ marginTop: 16 }}>
      <h2 id="compare">Comparing {runs.length} runs</h2>
      {error && <ErrorBox error={error} />}
      <div className="grid-2">
        <MetricChart title="Training loss (overlay)" series={loss} range={metricRange('train/loss')} />
        <MetricChart title={`${valKey} per epoch (overlay)`} series={validation} x="epoch" range={metricRange(valKey)} />
      </div>
      <div className="card">
        <div className="spread">
          <h3>Config differences</h3>
          <div className="field checkbox" style={{ margin: 0 }}>
            <label>
              <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.target.checked)} />
              Only fields that differ
            </label>
          </div>
        </div>
        {rows.length === 0 ? (
          <p className="muted">The configs are identical.</p>
        ) : (
          <div className="table-scroll">
            <table className="diff" aria-label="Config differences">
              <thead>
                <tr>
                  <th>Field</th>
                  {runs.map((run) => (
                    <th key={run.id}>{label(run)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.field}>
                    <td className="mono">{row.field}</td>
                    {row.values.map((value, i) => (
                      <td key={runs[i].id} className={row.differs ? 'changed' : undefined}>
                        {value || <span className="muted">(empty)</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

/** History: every run in a sortable, filterable table; select two or more to compare. */
export function HistoryScreen() {
  const runs = useRuns((state) => state.runs);
  const loaded = useRuns((state) => state.loaded);
  const error = useRuns((state) => state.error);
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'created', descending: true });
  const [selected, setSelected] = useState<string[]>([]);
  const datasets = useDatasets((state) => state.datasets);
  useEffect(() => {
    void useRuns.getState().load();
    void useDatasets.getState().load();
  }, []);
  const datasetName = (run: Run) => datasets.find((dataset) => dataset.id === run.datasetId)?.name ?? run.datasetId ?? run.config.data.train_path;

  const shown = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const matching = runs.filter((run) => {
      if (status && run.status !== status) return false;
      const haystack = [run.id, run.experiment, datasetName(run), run.datasetId ?? '', run.modelId, run.status, clusterDetails(run) ? 'cluster' : ''].join(' ').toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
    const direction = sort.descending ? -1 : 1;
    return matching.sort((a, b) => {
      const [x, y] = [sortValue(a, sort.key), sortValue(b, sort.key)];
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });
  }, [runs, filter, status, sort, datasets]);
  const compared = selected.map((id) => runs.find((run) => run.id === id)).filter((run): run is Run => run !== undefined);
  const toggle = (id: string) => setSelected((current) => (current.includes(id) ? current.filter((other) => other !== id) : [...current, id]));

  return (
    <>
      <h1>History</h1>
      {error && <ErrorBox error={error} />}
      <ImportClusterRun />
      {loaded && runs.length === 0 ? (
        <EmptyState title="No runs yet.">
          <p>
            <a href={href('/new')}>Start a new run</a>; every run is kept here with its config, curves and results.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="row" style={{ marginBottom: 12, alignItems: 'flex-end' }}>
            <div className="field" style={{ flex: '1 1 260px', margin: 0 }}>
              <label htmlFor="run-filter">Filter runs</label>
              <input id="run-filter" type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="experiment, dataset, model or id" />
            </div>
            <div className="field" style={{ margin: 0 }}>
              <label htmlFor="run-status">Status</label>
              <select id="run-status" value={status} onChange={(event) => setStatus(event.target.value)}>
                <option value="">all</option>
                {RunStatus.options.map((option) => (
                  <option key={option} value={option}>{option}</option>
                ))}
              </select>
            </div>
            <p className="muted small" style={{ margin: 0 }} role="status">
              {shown.length} of {runs.length} runs{selected.length > 0 ? `, ${selected.length} selected` : ''}
              {selected.length === 1 ? ' (select one more to compare)' : ''}
            </p>
          </div>
          <div className="table-scroll" style={{ maxHeight: 520 }}>
            <table aria-label="Runs">
              <thead>
                <tr>
                  <th>
                    <span className="visually-hidden">Select</span>
                  </th>
                  {COLUMNS.map((column) => (
                    <th key={column.key} className={column.numeric ? 'num' : undefined} aria-sort={sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                      <button
                        type="button"
                        className="sort"
                        onClick={() => setSort((current) => ({ key: column.key, descending: current.key === column.key ? !current.descending : column.numeric === true }))}
                      >
                        {column.label}
                        {sort.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.map((run) => {
                  const metric = primaryMetric(run);
                  const cluster = clusterDetails(run);
                  return (
                    <tr key={run.id} className={selected.includes(run.id) ? 'selected' : undefined}>
                      <td>
                        <input type="checkbox" aria-label={`Select run ${run.experiment} ${run.id}`} checked={selected.includes(run.id)} onChange={() => toggle(run.id)} />
                      </td>
                      <td>
                        <a href={href(`/runs/${run.id}`)}>
                          <Name text={run.experiment} />
                        </a>
                        <div className="muted small mono">{run.id}</div>
                        {cluster && (
                          <div className="small" aria-label={`Cluster run: ${describeCluster(cluster)}`}>
                            <span className="badge">cluster</span> {describeCluster(cluster)}
                          </div>
                        )}
                      </td>
                      <td>
                        <StatusBadge status={run.status} />
                      </td>
                      <td>
                        <Name text={datasetName(run)} />
                      </td>
                      <td>
                        <Name text={run.modelId} />
                      </td>
                      <td className="num">{metric ? `${formatMetric(metric.value)}` : '—'}{metric && <div className="muted small">{metric.key}</div>}</td>
                      <td className="num">{formatDuration(run.durationS)}</td>
                      <td>{formatDate(run.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {compared.length >= 2 && <Comparison runs={compared} />}
        </>
      )}
    </>
  );
}
