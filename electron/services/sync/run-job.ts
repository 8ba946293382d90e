import { closeSync, existsSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/database.ts';
import type { Run } from '../../../schemas/run.ts';
import { codeTags } from '../../../schemas/extensions.ts';

/** One run as the trainer's sync command reads it from the job file (snake_case: it is Python's input). */
export interface RunJobItem {
  item: string;
  kind: 'run';
  airlock_run_id: string;
  experiment_name: string;
  remote_run_id: string | null;
  run_name: string;
  start_time_ms: number;
  end_time_ms: number | null;
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  params_done: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics_file: string | null;
  summary_metrics: [string, number, number, number][];
  artifacts_done: boolean;
  artifacts: { path: string; artifact_path: string | null }[];
}

/** Runs in these states are over and can be sent; running or queued ones wait. */
export const SYNCABLE_STATUSES = new Set<Run['status']>(['completed', 'failed', 'cancelled', 'interrupted']);

const MLFLOW_STATUS: Record<string, RunJobItem['status']> = { completed: 'FINISHED', failed: 'FAILED', cancelled: 'KILLED', interrupted: 'KILLED' };

/**
 * The resolved config as MLflow params: nested keys joined with dots, lists and nulls as JSON. The config's
 * tags are the run's MLflow tags already (runTags): sent again as `experiment.tags.<name>` params they would
 * meet the 250-character key limit 16 characters sooner and the 6000-character value limit before 8000.
 */
export function configParams(config: unknown, prefix = ''): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (name === 'experiment.tags') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(params, configParams(value, name));
    else params[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return params;
}

/** The MLflow experiment a run goes to under the naming rule. */
export function experimentNameFor(rule: string, run: Run): string {
  return rule.replaceAll('{experiment}', run.experiment).replaceAll('{dataset}', run.datasetId ?? 'none').replaceAll('{model}', run.modelId);
}

/** The run's tags in MLflow: Airlock's run id (how it is found again), data fingerprint, base model, device and the config's own tags. */
export function runTags(run: Run, datasetSha256: string | null): Record<string, string> {
  const tags: Record<string, string> = {
    ...run.config.experiment.tags,
    'airlock.run_id': run.id,
    'airlock.status': run.status,
    'airlock.base_model': run.modelId,
    'airlock.task': run.config.model.task,
    'airlock.device': run.device ?? 'unknown',
    'mlflow.source.name': 'airlock',
    'mlflow.source.type': 'LOCAL',
  };
  if (run.precision) tags['airlock.precision'] = run.precision;
  if (run.datasetId) tags['airlock.dataset_id'] = run.datasetId;
  if (datasetSha256) tags['airlock.dataset_fingerprint'] = `sha256:${datasetSha256}`;
  if (run.error) tags['airlock.error'] = `${run.error.code}: ${run.error.message}`;
  Object.assign(tags, codeTags(run.config)); // the user code the run ran, with the SHA-256 of each file
  return tags;
}

/** Count and last rowid of a run's recorded metric points. */
export function metricExtent(db: Db, runId: string): { count: number; lastRowid: number } {
  const row = db.prepare('SELECT COUNT(*) AS count, COALESCE(MAX(rowid), 0) AS last FROM metrics WHERE run_id = ?').get(runId) as { count: number; last: number };
  return { count: row.count, lastRowid: row.last };
}

/** What a synced run's MLflow copy depends on; a change (a resumed run) sends it again. */
export function runVersion(run: Run, lastRowid: number): string {
  return [run.status, run.finishedAt ?? '', lastRowid, run.modelDir ?? ''].join('|');
}

/** Writes the points after `afterRowid` as JSON lines [rowid, key, value, ms, step]; returns how many. */
export function writePendingMetrics(db: Db, runId: string, afterRowid: number, file: string): number {
  const rows = db
    .prepare('SELECT rowid, key, value, ts, step FROM metrics WHERE run_id = ? AND rowid > ? ORDER BY rowid')
    .raw()
    .iterate(runId, afterRowid) as IterableIterator<[number, string, number, string, number]>;
  const fd = openSync(file, 'w');
  let count = 0;
  let chunk: string[] = [];
  try {
    for (const [rowid, key, value, ts, step] of rows) {
      chunk.push(JSON.stringify([rowid, key, value, Date.parse(ts), step]));
      count++;
      if (chunk.length >= 5000) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Final metrics that have no recorded history (test scores): one point each, at the run's last step and end time. */
export function summaryMetrics(db: Db, run: Run): [string, number, number, number][] {
  const keys = new Set((db.prepare('SELECT DISTINCT key FROM metrics WHERE run_id = ?').all(run.id) as { key: string }[]).map((row) => row.key));
  const lastStep = (db.prepare('SELECT COALESCE(MAX(step), 0) AS step FROM metrics WHERE run_id = ?').get(run.id) as { step: number }).step;
  const at = Date.parse(run.finishedAt ?? run.createdAt);
  return Object.entries(run.metrics)
    .filter(([key, value]) => !keys.has(key) && Number.isFinite(value))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => [key, value, at, lastStep]);
}

/** The files sent as artifacts: config.yaml, the confusion matrix or a causal LM's sample answers as JSON (written to
 * `staging`), the model folder (a LoRA run's adapter). */
export function runArtifacts(run: Run, staging: string): RunJobItem['artifacts'] {
  const artifacts: RunJobItem['artifacts'] = [];
  const configFile = join(run.runDir, 'config.yaml');
  if (existsSync(configFile)) artifacts.push({ path: configFile, artifact_path: null });
  const details = run.details as { labels?: unknown; confusion_matrix?: unknown; confusion_matrix_on?: unknown; per_class?: unknown; generations?: unknown };
  if (details.confusion_matrix) {
    const file = join(staging, `${run.id}-confusion_matrix.json`);
    writeFileSync(file, JSON.stringify({ labels: details.labels, matrix: details.confusion_matrix, evaluated_on: details.confusion_matrix_on, per_class: details.per_class }, null, 2));
    artifacts.push({ path: file, artifact_path: 'confusion_matrix' });
  }
  if (Array.isArray(details.generations) && details.generations.length > 0) {
    const file = join(staging, `${run.id}-generations.json`);
    writeFileSync(file, JSON.stringify({ samples: details.generations }, null, 2));
    artifacts.push({ path: file, artifact_path: 'generations' });
  }
  if (run.modelDir && existsSync(run.modelDir)) artifacts.push({ path: run.modelDir, artifact_path: 'model' });
  return artifacts;
}

/** Builds one run's job item: everything not yet confirmed, metrics written to `staging`. */
export function runJobItem(
  db: Db,
  run: Run,
  entry: { id: string; remoteId: string | null; metricsConfirmedRowid: number; paramsDone: boolean; artifactsDone: boolean },
  options: { experimentRule: string; datasetSha256: string | null; staging: string },
): { item: RunJobItem; pendingPoints: number } {
  const metricsFile = join(options.staging, `${run.id}-metrics.jsonl`);
  const pendingPoints = writePendingMetrics(db, run.id, entry.metricsConfirmedRowid, metricsFile);
  return {
    pendingPoints,
    item: {
      item: entry.id,
      kind: 'run',
      airlock_run_id: run.id,
      experiment_name: experimentNameFor(options.experimentRule, run),
      remote_run_id: entry.remoteId,
      run_name: run.id,
      start_time_ms: Date.parse(run.startedAt ?? run.createdAt),
      end_time_ms: run.finishedAt ? Date.parse(run.finishedAt) : null,
      status: MLFLOW_STATUS[run.status] ?? 'KILLED',
      params_done: entry.paramsDone,
      params: configParams(run.config),
      tags: runTags(run, options.datasetSha256),
      metrics_file: pendingPoints ? metricsFile : null,
      summary_metrics: summaryMetrics(db, run),
      artifacts_done: entry.artifactsDone,
      artifacts: entry.artifactsDone ? [] : runArtifacts(run, options.staging),
    },
  };
}
