import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createServices, type Services } from '../../electron/services/index.ts';
import { createApi, type Api } from '../../electron/services/api/handlers.ts';
import type { SyncSettings } from '../../schemas/sync.ts';
import { tempDir } from '../helpers/home.ts';
import { parseConfig, configToYaml } from '../../electron/services/config/yaml.ts';
import { newRunId } from '../../electron/services/runs/supervisor.ts';
import type { MetricPoint, Run, RunStatus } from '../../schemas/run.ts';
import { metricHistory, mlflowRest, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server.ts';

const BASE_TIME = Date.parse('2026-11-01T10:00:00.000Z');

/** Points of one metric: steps 0..count-1, one millisecond apart, values that differ per key. */
export function series(key: string, count: number, offset = 0): MetricPoint[] {
  const salt = key.length;
  return Array.from({ length: count }, (_, index) => ({
    key,
    step: offset + index,
    value: Math.sin((offset + index) / 97 + salt) * 3 + index / (count + 1),
    ts: new Date(BASE_TIME + (offset + index) * 7 + salt).toISOString(),
  }));
}

/** Inserts a finished run with its metric history straight into the store (no training): cheap test runs. */
export function insertRun(
  services: Services,
  options: {
    experiment?: string;
    status?: RunStatus;
    points?: MetricPoint[];
    metrics?: Record<string, number>;
    details?: Record<string, unknown>;
    withModel?: boolean;
    config?: Record<string, unknown>;
  } = {},
): Run {
  const id = newRunId();
  const runDir = join(services.paths.runs, id);
  mkdirSync(runDir, { recursive: true });
  const config = parseConfig({
    model: { name: 'tiny' },
    data: { train_path: '/data/reviews.csv', text_column: 'review', label_column: 'sentiment' },
    experiment: { name: options.experiment ?? 'sync-test', tags: { team: 'analysts' } },
    ...options.config,
  });
  writeFileSync(join(runDir, 'config.yaml'), configToYaml(config));
  services.runs.create({ id, experiment: config.experiment.name, datasetId: null, modelId: 'tiny', config, runDir, createdAt: new Date(BASE_TIME).toISOString() });
  services.runs.markStarted(id, 999_999, new Date(BASE_TIME).toISOString());
  services.runs.setDevice(id, 'cpu', '32-true');
  services.runs.addMetrics(id, options.points ?? []);
  let modelDir: string | null = null;
  if (options.withModel) {
    modelDir = join(runDir, 'model');
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    writeFileSync(join(modelDir, 'model.safetensors'), Buffer.alloc(2048, 7));
  }
  const status = options.status ?? 'completed';
  services.runs.finish(
    id,
    {
      status,
      metrics: options.metrics ?? {},
      details: options.details ?? {},
      modelDir,
      error: status === 'failed' ? { code: 'TRAINING_DIVERGED', message: 'The loss became NaN.' } : null,
      durationS: 12.5,
    },
    new Date(BASE_TIME + 3_600_000).toISOString(),
  );
  return services.runs.get(id)!;
}

/** The MLflow run holding an Airlock run (by its airlock.run_id tag), asserting there is exactly one. */
export async function remoteRunOf(server: MlflowServer, experimentName: string, airlockRunId: string, auth?: { username: string; password: string }) {
  const experiment = (await mlflowRest(server, 'GET', 'experiments/get-by-name', { experiment_name: experimentName }, auth)).experiment;
  const found = await mlflowRest(server, 'POST', 'runs/search', { experiment_ids: [experiment.experiment_id], filter: `tags.\`airlock.run_id\` = '${airlockRunId}'`, max_results: 10 }, auth);
  expect(found.runs ?? []).toHaveLength(1);
  return found.runs[0];
}

/** Asserts MLflow's history of every metric of the run equals the local one: same count, steps, values and times; nothing duplicated or missing. */
export async function expectSameHistory(services: Services, server: MlflowServer, run: Run, remoteRunId: string): Promise<number> {
  const local = services.runs.metrics(run.id);
  const keys = [...new Set(local.map((point) => point.key))];
  let compared = 0;
  for (const key of keys) {
    const mine = local.filter((point) => point.key === key).map((point) => [point.step, point.value, Date.parse(point.ts)]);
    const theirs = (await metricHistory(server, remoteRunId, key)).map((point) => [point.step, point.value, point.timestamp]);
    const order = (a: number[], b: number[]) => a[0] - b[0] || a[2] - b[2];
    expect(theirs.length, `points of ${key}`).toBe(mine.length);
    expect(theirs.sort(order)).toEqual(mine.sort(order));
    compared += mine.length;
  }
  return compared;
}

/** The outbox row of a run, read straight from SQLite. */
export function outboxRow(services: Services, runId: string): { state: string; metrics_confirmed: number; remote_id: string | null } | undefined {
  return services.db.prepare('SELECT state, metrics_confirmed, remote_id FROM sync_items WHERE id = ?').get(`run:${runId}`) as never;
}

/** One real MLflow server and one Airlock data folder set to sync to it, for a whole test file. */
export interface SyncFixture {
  dir: string;
  server: MlflowServer;
  services: Services;
  api: Api;
}

/** Starts the fixture before the file's tests and stops it after; read its fields inside tests. */
export function useSyncFixture(prefix: string, options: { basicAuth?: boolean; settings?: Partial<SyncSettings> } = {}): SyncFixture {
  const fixture = {} as SyncFixture;
  const dir = tempDir(prefix);
  beforeAll(async () => {
    fixture.dir = dir.path;
    fixture.server = await startMlflowServer(join(dir.path, 'mlflow'), { basicAuth: options.basicAuth });
    fixture.services = await createServices(join(dir.path, 'home'));
    fixture.api = createApi(fixture.services);
    fixture.services.sync.updateSettings({ trackingUri: fixture.server.uri, httpBackoffFactor: 0, ...options.settings });
  }, 180_000);
  afterAll(async () => {
    fixture.services?.close();
    await fixture.server?.stop();
    dir.cleanup();
  });
  return fixture;
}
