import type { Db } from '../store/database.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { SyncItem, type SyncStatus } from '../../../schemas/sync.ts';

interface ItemRow {
  id: string;
  kind: string;
  local_id: string;
  state: string;
  remote_id: string | null;
  remote_experiment_id: string | null;
  remote_url: string | null;
  metrics_confirmed_rowid: number;
  metrics_confirmed: number;
  params_done: number;
  artifacts_done: number;
  synced_version: string | null;
  attempts: number;
  last_error: string | null;
  updated_at: string;
  synced_at: string | null;
}

/** An outbox row as the sync pass needs it. */
export interface OutboxEntry {
  id: string;
  kind: 'run' | 'model_version';
  localId: string;
  state: 'pending' | 'synced' | 'failed';
  remoteId: string | null;
  metricsConfirmedRowid: number;
  paramsDone: boolean;
  artifactsDone: boolean;
}

/** Something local that should exist in MLflow, and a fingerprint of its content: a change re-opens a synced item. */
export interface OutboxCandidate {
  id: string;
  kind: 'run' | 'model_version';
  localId: string;
  version: string;
}

const now = () => new Date().toISOString();

/** The outbox: one row per run or model version, with its remote id and how far MLflow has confirmed it. */
export class SyncOutbox {
  constructor(private readonly db: Db) {}

  /** Adds what is new and re-opens synced items whose local content changed since (a resumed run, a new stage). */
  refresh(candidates: OutboxCandidate[]): void {
    const insert = this.db.prepare(
      "INSERT INTO sync_items (id, kind, local_id, state, synced_version, updated_at) VALUES (?, ?, ?, 'pending', NULL, ?) ON CONFLICT(id) DO NOTHING",
    );
    const reopen = this.db.prepare(
      "UPDATE sync_items SET state = 'pending', params_done = 0, artifacts_done = 0, updated_at = ? WHERE id = ? AND state = 'synced' AND synced_version IS NOT ?",
    );
    this.db.transaction(() => {
      for (const candidate of candidates) {
        insert.run(candidate.id, candidate.kind, candidate.localId, now());
        reopen.run(now(), candidate.id, candidate.version);
      }
    })();
  }

  /** Items still to send, runs before model versions (a version needs its run's remote id). */
  toSync(retryFailed: boolean): OutboxEntry[] {
    const states = retryFailed ? "('pending', 'failed')" : "('pending')";
    const rows = this.db.prepare(`SELECT * FROM sync_items WHERE state IN ${states} ORDER BY kind = 'model_version', id`).all() as ItemRow[];
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind as OutboxEntry['kind'],
      localId: row.local_id,
      state: row.state as OutboxEntry['state'],
      remoteId: row.remote_id,
      metricsConfirmedRowid: row.metrics_confirmed_rowid,
      paramsDone: row.params_done === 1,
      artifactsDone: row.artifacts_done === 1,
    }));
  }

  /** The remote id of a synced-or-started run, by Airlock run id. */
  remoteRunId(runId: string): string | null {
    const row = this.db.prepare("SELECT remote_id FROM sync_items WHERE id = ?").get(`run:${runId}`) as { remote_id: string | null } | undefined;
    return row?.remote_id ?? null;
  }

  /** Every item with its metric totals, newest first. */
  list(metricTotals: Map<string, number>): SyncItem[] {
    const rows = this.db.prepare('SELECT * FROM sync_items ORDER BY updated_at DESC, id').all() as ItemRow[];
    return rows.map((row) =>
      SyncItem.parse({
        id: row.id,
        kind: row.kind,
        localId: row.local_id,
        state: row.state,
        remoteId: row.remote_id,
        remoteUrl: row.remote_url,
        metricsConfirmed: row.metrics_confirmed,
        metricsTotal: row.kind === 'run' ? (metricTotals.get(row.local_id) ?? 0) : 0,
        paramsDone: row.params_done === 1,
        artifactsDone: row.artifacts_done === 1,
        attempts: row.attempts,
        lastError: row.last_error ? JSON.parse(row.last_error) : null,
        updatedAt: row.updated_at,
        syncedAt: row.synced_at,
      }),
    );
  }

  counts(): SyncStatus['counts'] {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM sync_items GROUP BY state').all() as { state: string; n: number }[];
    const counts = { pending: 0, synced: 0, failed: 0 };
    for (const row of rows) if (row.state in counts) counts[row.state as keyof typeof counts] = row.n;
    return counts;
  }

  countAttempt(ids: string[]): void {
    const update = this.db.prepare('UPDATE sync_items SET attempts = attempts + 1, updated_at = ? WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => update.run(now(), id)))();
  }

  confirmRemote(id: string, remoteId: string, experimentId: string | null, url: string | null): void {
    this.db
      .prepare('UPDATE sync_items SET remote_id = ?, remote_experiment_id = COALESCE(?, remote_experiment_id), remote_url = COALESCE(?, remote_url), updated_at = ? WHERE id = ?')
      .run(remoteId, experimentId, url, now(), id);
  }

  confirmParams(id: string): void {
    this.db.prepare('UPDATE sync_items SET params_done = 1, updated_at = ? WHERE id = ?').run(now(), id);
  }

  /** Records a confirmed metric batch; `upto` only moves forward. */
  confirmMetrics(id: string, upto: number, count: number): void {
    this.db
      .prepare('UPDATE sync_items SET metrics_confirmed_rowid = ?, metrics_confirmed = metrics_confirmed + ?, updated_at = ? WHERE id = ? AND metrics_confirmed_rowid < ?')
      .run(upto, count, now(), id, upto);
  }

  confirmArtifacts(id: string): void {
    this.db.prepare('UPDATE sync_items SET artifacts_done = 1, updated_at = ? WHERE id = ?').run(now(), id);
  }

  markSynced(id: string, version: string): void {
    const at = now();
    this.db
      .prepare("UPDATE sync_items SET state = 'synced', synced_version = ?, last_error = NULL, synced_at = ?, updated_at = ? WHERE id = ?")
      .run(version, at, at, id);
  }

  markFailed(id: string, error: AirlockErrorShape): void {
    this.db.prepare("UPDATE sync_items SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?").run(JSON.stringify(error), now(), id);
  }

  /** A failure of the whole pass (server down, credentials refused): noted on the items, which stay as they were. */
  noteError(ids: string[], error: AirlockErrorShape): void {
    const update = this.db.prepare("UPDATE sync_items SET last_error = ?, updated_at = ? WHERE id = ? AND state != 'synced'");
    this.db.transaction(() => ids.forEach((id) => update.run(JSON.stringify(error), now(), id)))();
  }
}
