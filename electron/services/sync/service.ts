import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/database.ts';
import type { HomePaths } from '../home.ts';
import type { RunTable } from '../store/runs.ts';
import { AirlockError, toErrorShape, type AirlockErrorShape } from '../../../schemas/errors.ts';
import type { Reachability, SyncCredentials, SyncReport, SyncSettings, SyncSettingsView, SyncStatus, SyncStepEvent } from '../../../schemas/sync.ts';
import { SyncSettingsTable, redactor, resolveConnection, type Connection } from './connection.ts';
import { MemorySecretStore, type SecretStore } from './secrets.ts';
import { SyncOutbox, type OutboxCandidate, type OutboxEntry } from './outbox.ts';
import { SYNCABLE_STATUSES, metricExtent, runJobItem, runVersion, type RunJobItem } from './run-job.ts';
import { mlflowEnvironment, raise, runSyncProcess } from './worker.ts';
import { modelVersionFingerprint, modelVersionItemId, modelVersionJobItem, type ModelVersionJobItem } from './model-version-job.ts';
import type { ModelVersion } from '../../../schemas/registry.ts';
import { probeServer } from './probe.ts';
import { SyncLock } from './lock.ts';
import { AutoSync } from './auto-sync.ts';

/** What the service reads besides its own tables. */
export interface SyncSources {
  paths: HomePaths;
  db: Db;
  runs: RunTable;
  /** The SHA-256 of a dataset, for the run's fingerprint tag. */
  datasetSha256(datasetId: string): string | null;
  /** Every registered model version. */
  modelVersions(): ModelVersion[];
}

/** Reports a pass's progress: a fraction of its work, and what it is doing. */
export type SyncProgress = (fraction: number, message: string) => void;

const TRANSIENT = new Set(['MLFLOW_UNREACHABLE', 'MLFLOW_SERVER_ERROR']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Store-and-forward sync to MLflow. The outbox and every confirmed step live in Airlock's SQLite;
 * the MLflow calls are made by the trainer's `sync` command with MLflow's own client, one process per pass.
 */
export class SyncService {
  private secrets: SecretStore = new MemorySecretStore();
  private readonly settingsTable: SyncSettingsTable;
  private readonly outbox: SyncOutbox;
  private readonly lock: SyncLock;
  private syncing = false;
  private reachability: Reachability = { state: 'unknown', checkedAt: null, message: null };

  constructor(
    private readonly sources: SyncSources,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.settingsTable = new SyncSettingsTable(sources.db);
    this.outbox = new SyncOutbox(sources.db);
    this.lock = new SyncLock(sources.db);
  }

  /**
   * Starts probing and syncing in the background while `autoSync` is on in the settings (the app calls this;
   * the CLI and tests never do unless they mean to). Returns the function that stops it.
   */
  startAutoSync(onError?: (error: unknown) => void): () => void {
    const auto = new AutoSync(this, onError);
    auto.start();
    return () => auto.stop();
  }

  /** Where credentials are kept: the Electron main process passes an EncryptedSecretStore over safeStorage. */
  useSecretStore(store: SecretStore): void {
    this.secrets = store;
  }

  settings(): SyncSettingsView {
    return resolveConnection(this.settingsTable.get(), this.secrets, this.env).view;
  }

  /** Changes settings; credentials go to the secret store (null forgets them), never to the database. */
  updateSettings(changes: Partial<SyncSettings>, credentials?: SyncCredentials | null): SyncSettingsView {
    this.settingsTable.update(changes);
    if (credentials !== undefined) this.secrets.set(credentials);
    return this.settings();
  }

  private connection(): { connection: Connection; settings: SyncSettings } {
    const settings = this.settingsTable.get();
    const { connection } = resolveConnection(settings, this.secrets, this.env);
    if (!connection) {
      throw new AirlockError('SYNC_NOT_CONFIGURED', 'No MLflow tracking server is configured.', {
        hint: 'Set MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN), or the tracking URI in the sync settings.',
      });
    }
    return { connection, settings };
  }

  /** Asks the configured tracking server (only it) whether it answers. */
  async probe(): Promise<Reachability> {
    const { connection } = resolveConnection(this.settingsTable.get(), this.secrets, this.env);
    if (!connection) this.reachability = { state: 'not-configured', checkedAt: null, message: null };
    else this.reachability = await probeServer(connection, redactor(connection));
    return this.reachability;
  }

  status(): SyncStatus {
    this.outbox.refresh(this.candidates());
    const totals = new Map(
      (this.sources.db.prepare('SELECT run_id, COUNT(*) AS n FROM metrics GROUP BY run_id').all() as { run_id: string; n: number }[]).map((row) => [row.run_id, row.n]),
    );
    const { connection } = resolveConnection(this.settingsTable.get(), this.secrets, this.env);
    return {
      trackingUri: connection ? redactor(connection)(connection.trackingUri) : null,
      syncing: this.syncing || this.lock.heldByAnother(),
      reachability: connection ? this.reachability : { state: 'not-configured', checkedAt: null, message: null },
      counts: this.outbox.counts(),
      items: this.outbox.list(totals),
      lastPass: this.lock.lastPass(),
    };
  }

  /** Everything local that belongs in MLflow, with a fingerprint of its content. */
  private candidates(): OutboxCandidate[] {
    const runs = this.sources.runs
      .list()
      .filter((run) => SYNCABLE_STATUSES.has(run.status))
      .map((run) => ({ id: `run:${run.id}`, kind: 'run' as const, localId: run.id, version: runVersion(run, metricExtent(this.sources.db, run.id).lastRowid) }));
    const versions = this.sources.modelVersions().map((version) => ({
      id: modelVersionItemId(version),
      kind: 'model_version' as const,
      localId: `${version.name}@${version.version}`,
      version: modelVersionFingerprint(version),
    }));
    return [...runs, ...versions];
  }

  /** Sends everything pending now; transient failures (unreachable, 5xx) are retried a few times with doubling delays. */
  async syncNow(options: { retryFailed?: boolean; onProgress?: SyncProgress } = {}): Promise<SyncReport> {
    const { connection, settings } = this.connection();
    if (this.syncing) throw new AirlockError('SYNC_IN_PROGRESS', 'A sync is already running.', { hint: 'Wait for it to finish.' });
    this.syncing = true;
    const started = Date.now();
    const report: SyncReport = { synced: [], failed: [], pending: 0, metricPointsSent: 0, passes: 0, durationS: 0 };
    try {
      this.lock.acquire();
      try {
        for (let attempt = 0; ; attempt++) {
          report.passes++;
          try {
            await this.pass(connection, settings, options.retryFailed ?? true, report, options.onProgress);
            break;
          } catch (error) {
            const code = (error as AirlockError).code;
            if (!TRANSIENT.has(code) || attempt >= settings.passRetries) throw error;
            options.onProgress?.(0, `${(error as AirlockError).message} Retrying in ${2 ** attempt} s.`);
            await sleep(1000 * 2 ** attempt);
          }
        }
        this.lock.recordPass(null);
        this.reachability = { state: 'reachable', checkedAt: new Date().toISOString(), message: null };
      } catch (error) {
        const shape = toErrorShape(error);
        this.lock.recordPass(shape);
        if (shape.code === 'MLFLOW_UNREACHABLE') this.reachability = { state: 'unreachable', checkedAt: new Date().toISOString(), message: shape.message };
        throw error;
      } finally {
        this.lock.release();
      }
    } finally {
      this.syncing = false;
    }
    // A retried pass may have failed an item and then synced it, or failed it twice: report each item once, as it ended.
    const synced = new Set(report.synced);
    report.failed = [...new Map(report.failed.filter((failure) => !synced.has(failure.id)).map((failure) => [failure.id, failure])).values()];
    report.pending = this.outbox.counts().pending;
    report.durationS = (Date.now() - started) / 1000;
    return report;
  }

  private async pass(connection: Connection, settings: SyncSettings, retryFailed: boolean, report: SyncReport, onProgress?: SyncProgress): Promise<void> {
    this.outbox.refresh(this.candidates());
    const entries = this.outbox.toSync(retryFailed);
    if (entries.length === 0) return;
    const redact = redactor(connection);
    // We hold the sync lock: any other sync folder was left by a killed pass.
    for (const name of readdirSync(this.sources.paths.staging)) {
      if (name.startsWith('sync-')) rmSync(join(this.sources.paths.staging, name), { recursive: true, force: true });
    }
    const staging = mkdtempSync(join(this.sources.paths.staging, 'sync-'));
    try {
      const { items, versions, pendingPoints } = this.buildJob(entries, settings, staging);
      if (items.length === 0) return;
      const jobFile = join(staging, 'job.json');
      writeFileSync(jobFile, JSON.stringify({ items }));
      this.outbox.countAttempt(items.map((item) => item.item));
      const total = pendingPoints + items.length * 3;
      let done = 0;
      const step = (event: SyncStepEvent) => {
        done += this.record(event, connection, versions, report);
        onProgress?.(Math.min(1, done / total), describeStep(event));
      };
      const exit = await runSyncProcess(jobFile, {
        home: this.sources.paths.root,
        env: mlflowEnvironment(connection, settings),
        stderrPath: join(staging, 'sync.log'),
        redact,
        onStep: step,
      });
      if (exit.error) {
        const settled = new Set([...report.synced, ...report.failed.map((failure) => failure.id)]);
        this.outbox.noteError(items.map((item) => item.item).filter((id) => !settled.has(id)), exit.error);
        raise(exit.error);
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  private buildJob(entries: OutboxEntry[], settings: SyncSettings, staging: string) {
    const items: (RunJobItem | ModelVersionJobItem)[] = [];
    const versions = new Map<string, string>();
    let pendingPoints = 0;
    const modelVersions = new Map(this.sources.modelVersions().map((version) => [modelVersionItemId(version), version]));
    for (const entry of entries) {
      if (entry.kind === 'model_version') {
        const version = modelVersions.get(entry.id);
        if (!version) {
          this.outbox.markFailed(entry.id, { code: 'REGISTRY_MODEL_NOT_FOUND', message: `The local model version ${entry.localId} no longer exists.` });
          continue;
        }
        items.push(modelVersionJobItem(version, this.outbox.remoteRunId(version.runId)));
        versions.set(entry.id, modelVersionFingerprint(version));
        continue;
      }
      const run = this.sources.runs.get(entry.localId);
      if (!run) {
        this.outbox.markFailed(entry.id, { code: 'RUN_NOT_FOUND', message: `The local ${entry.kind.replace('_', ' ')} ${entry.localId} no longer exists.` });
        continue;
      }
      const built = runJobItem(this.sources.db, run, entry, {
        experimentRule: settings.experimentName,
        datasetSha256: run.datasetId ? this.sources.datasetSha256(run.datasetId) : null,
        staging,
      });
      items.push(built.item);
      pendingPoints += built.pendingPoints;
      versions.set(entry.id, runVersion(run, metricExtent(this.sources.db, run.id).lastRowid));
    }
    return { items, versions, pendingPoints };
  }

  /** Records one confirmed step in the outbox; returns the units of work it completed. */
  private record(event: SyncStepEvent, connection: Connection, versions: Map<string, string>, report: SyncReport): number {
    switch (event.type) {
      case 'sync_remote': {
        const url = event.experiment_id ? `${connection.trackingUri.replace(/\/$/, '')}/#/experiments/${event.experiment_id}/runs/${event.remote_id}` : null;
        this.outbox.confirmRemote(event.item, event.remote_id, event.experiment_id, url ? redactor(connection)(url) : null);
        return 1;
      }
      case 'sync_params':
        this.outbox.confirmParams(event.item);
        return 0;
      case 'sync_metrics':
        this.outbox.confirmMetrics(event.item, event.upto, event.count);
        report.metricPointsSent += event.sent;
        return event.count;
      case 'sync_artifacts':
        this.outbox.confirmArtifacts(event.item);
        return 1;
      case 'sync_done':
        this.outbox.markSynced(event.item, versions.get(event.item) ?? '');
        report.synced.push(event.item);
        return 1;
      case 'sync_item_failed': {
        const error: AirlockErrorShape = { code: event.code, message: event.message };
        if (event.hint) error.hint = event.hint;
        if (event.details.length) error.details = event.details;
        this.outbox.markFailed(event.item, error);
        report.failed.push({ id: event.item, error });
        return 3;
      }
    }
  }
}

function describeStep(event: SyncStepEvent): string {
  const what = event.item.replace(/^run:/, 'run ').replace(/^model_version:/, 'model version ');
  switch (event.type) {
    case 'sync_remote':
      return `${what}: ${event.created ? 'created' : 'found'} in MLflow`;
    case 'sync_params':
      return `${what}: params and tags sent`;
    case 'sync_metrics':
      return `${what}: metric points up to #${event.upto} confirmed`;
    case 'sync_artifacts':
      return `${what}: artifacts uploaded`;
    case 'sync_done':
      return `${what}: synced`;
    case 'sync_item_failed':
      return `${what}: failed (${event.code})`;
  }
}
