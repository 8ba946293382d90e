import type { Db } from './database.ts';
import { GenerationRound, Run, type RunStatus, type MetricPoint } from '../../../schemas/run.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';

interface RunRow {
  id: string;
  status: string;
  experiment: string;
  dataset_id: string | null;
  model_id: string;
  config: string;
  run_dir: string;
  model_dir: string | null;
  device: string | null;
  precision: string | null;
  metrics: string;
  details: string;
  error: string | null;
  stderr_tail: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  attempts: number;
}

function fromRow(row: RunRow): Run {
  return Run.parse({
    id: row.id,
    status: row.status,
    experiment: row.experiment,
    datasetId: row.dataset_id,
    modelId: row.model_id,
    config: JSON.parse(row.config),
    runDir: row.run_dir,
    modelDir: row.model_dir,
    device: row.device,
    precision: row.precision,
    metrics: JSON.parse(row.metrics),
    details: JSON.parse(row.details),
    error: row.error ? JSON.parse(row.error) : null,
    stderrTail: row.stderr_tail,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationS: row.duration_s,
    attempts: row.attempts,
  });
}

/** Fields set when a trainer process ends. */
export interface RunOutcome {
  status: RunStatus;
  metrics?: Record<string, number>;
  details?: Record<string, unknown>;
  modelDir?: string | null;
  error?: AirlockErrorShape | null;
  stderrTail?: string | null;
  durationS?: number | null;
}

/** The run history: runs, their metrics (inserted in batches) and their raw events. */
export class RunTable {
  constructor(private readonly db: Db) {}

  create(run: Pick<Run, 'id' | 'experiment' | 'datasetId' | 'modelId' | 'config' | 'runDir' | 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, status, experiment, dataset_id, model_id, config, run_dir, created_at)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.experiment, run.datasetId, run.modelId, JSON.stringify(run.config), run.runDir, run.createdAt);
  }

  /**
   * Empties an imported run for a fresh import of the same id: drops its events and metric points and resets its
   * row (kept, so a registered version still points at it). Call inside `atomically` with the new import.
   */
  resetImported(run: Pick<Run, 'id' | 'experiment' | 'datasetId' | 'modelId' | 'config' | 'runDir' | 'createdAt'>): void {
    this.db.prepare('DELETE FROM events WHERE run_id = ?').run(run.id);
    this.db.prepare('DELETE FROM metrics WHERE run_id = ?').run(run.id);
    this.db
      .prepare(
        `UPDATE runs SET status = 'queued', experiment = ?, dataset_id = ?, model_id = ?, config = ?, run_dir = ?, created_at = ?,
         model_dir = NULL, device = NULL, precision = NULL, metrics = '{}', details = '{}', error = NULL, stderr_tail = NULL,
         started_at = NULL, finished_at = NULL, duration_s = NULL, attempts = 0, pid = NULL WHERE id = ?`,
      )
      .run(run.experiment, run.datasetId, run.modelId, JSON.stringify(run.config), run.runDir, run.createdAt, run.id);
  }

  /** Runs `work` in one transaction: every write it makes is kept, or none when it throws. */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  get(id: string): Run | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(): Run[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC').all() as RunRow[]).map(fromRow);
  }

  /** Marks a run running in process `pid`, counting the attempt. Returns the attempt number. */
  markStarted(id: string, pid: number, now: string): number {
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, attempts = attempts + 1, error = NULL, stderr_tail = NULL,
         started_at = COALESCE(started_at, ?), finished_at = NULL WHERE id = ?`,
      )
      .run(pid, now, id);
    return (this.db.prepare('SELECT attempts FROM runs WHERE id = ?').get(id) as { attempts: number }).attempts;
  }

  setDevice(id: string, device: string, precision: string): void {
    this.db.prepare('UPDATE runs SET device = ?, precision = ? WHERE id = ?').run(device, precision, id);
  }

  /** Adds or replaces top-level entries of a run's details (kept across resumes; `finish` merges over them). */
  mergeDetails(id: string, patch: Record<string, unknown>): void {
    const current = this.get(id);
    if (!current) return;
    this.db.prepare('UPDATE runs SET details = ? WHERE id = ?').run(JSON.stringify({ ...current.details, ...patch }), id);
  }

  finish(id: string, outcome: RunOutcome, now: string): void {
    const current = this.get(id);
    if (!current) return;
    this.db
      .prepare(
        `UPDATE runs SET status = ?, metrics = ?, details = ?, model_dir = ?, error = ?, stderr_tail = ?,
         finished_at = ?, duration_s = ?, pid = NULL WHERE id = ?`,
      )
      .run(
        outcome.status,
        JSON.stringify({ ...current.metrics, ...(outcome.metrics ?? {}) }),
        JSON.stringify({ ...current.details, ...(outcome.details ?? {}) }),
        outcome.modelDir ?? current.modelDir,
        outcome.error ? JSON.stringify(outcome.error) : null,
        outcome.stderrTail ?? null,
        now,
        (current.durationS ?? 0) + (outcome.durationS ?? 0),
        id,
      );
  }

  /** Runs left `running` by a crash of the app become `interrupted`; returns their ids. */
  markOrphansInterrupted(isAlive: (pid: number) => boolean): string[] {
    const rows = this.db.prepare("SELECT id, pid FROM runs WHERE status IN ('running', 'queued')").all() as {
      id: string;
      pid: number | null;
    }[];
    const orphans = rows.filter((row) => row.pid === null || !isAlive(row.pid)).map((row) => row.id);
    const mark = this.db.prepare("UPDATE runs SET status = 'interrupted', pid = NULL WHERE id = ?");
    this.db.transaction(() => orphans.forEach((id) => mark.run(id)))();
    return orphans;
  }

  /** Inserts many metric points in one transaction. */
  addMetrics(runId: string, points: MetricPoint[]): void {
    if (points.length === 0) return;
    const insert = this.db.prepare('INSERT INTO metrics (run_id, key, step, value, ts) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const point of points) insert.run(runId, point.key, point.step, point.value, point.ts);
    })();
  }

  metrics(runId: string, key?: string): MetricPoint[] {
    const sql = key
      ? 'SELECT key, step, value, ts FROM metrics WHERE run_id = ? AND key = ? ORDER BY step'
      : 'SELECT key, step, value, ts FROM metrics WHERE run_id = ? ORDER BY key, step';
    return (key ? this.db.prepare(sql).all(runId, key) : this.db.prepare(sql).all(runId)) as MetricPoint[];
  }

  /** Stores raw trainer events of one attempt in one transaction. */
  addEvents(runId: string, attempt: number, events: { seq: number; type: string; body: unknown }[]): void {
    if (events.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO events (run_id, attempt, seq, type, body) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const event of events) insert.run(runId, attempt, event.seq, event.type, JSON.stringify(event.body));
    })();
  }

  /** The sample generations of each epoch, oldest first; where a resumed attempt repeated an epoch, its own. */
  generations(runId: string): GenerationRound[] {
    const rows = this.db.prepare("SELECT body FROM events WHERE run_id = ? AND type = 'generations' ORDER BY attempt, seq").all(runId) as { body: string }[];
    const byEpoch = new Map<number, GenerationRound>();
    for (const row of rows) {
      const parsed = GenerationRound.safeParse(JSON.parse(row.body));
      if (parsed.success) byEpoch.set(parsed.data.epoch, parsed.data);
    }
    return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  }

  eventCount(runId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM events WHERE run_id = ?').get(runId) as { n: number }).n;
  }
}
