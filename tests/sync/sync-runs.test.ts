import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { configParams } from '../../electron/services/sync/run-job.ts';
import type { Notice } from '../../schemas/api.ts';
import type { Run } from '../../schemas/run.ts';
import { airlock } from '../helpers/cli.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';
import { metricHistory, mlflowRest, type MlflowServer } from '../helpers/mlflow-server.ts';
import { expectSameHistory, insertRun, remoteRunOf, series, useSyncFixture } from './helpers.ts';

const CONFUSION = { labels: ['negative', 'positive'], confusion_matrix: [[40, 2], [3, 35]], confusion_matrix_on: 'test', per_class: {} };

async function artifactPaths(server: MlflowServer, runId: string, path = ''): Promise<string[]> {
  const listing = await mlflowRest(server, 'GET', 'artifacts/list', { run_id: runId, ...(path ? { path } : {}) });
  const paths: string[] = [];
  for (const file of listing.files ?? []) {
    if (file.is_dir) paths.push(...(await artifactPaths(server, runId, file.path)));
    else paths.push(file.path);
  }
  return paths.sort();
}

async function allRemoteRuns(server: MlflowServer): Promise<unknown[]> {
  const experiments = (await mlflowRest(server, 'GET', 'experiments/search', { max_results: 1000 })).experiments ?? [];
  const found = await mlflowRest(server, 'POST', 'runs/search', { experiment_ids: experiments.map((experiment: { experiment_id: string }) => experiment.experiment_id), max_results: 1000 });
  return found.runs ?? [];
}

function paramsOf(remote: { data: { params?: { key: string; value: string }[] } }): Record<string, string> {
  return Object.fromEntries((remote.data.params ?? []).map((param) => [param.key, param.value]));
}

function tagsOf(remote: { data: { tags?: { key: string; value: string }[] } }): Record<string, string> {
  return Object.fromEntries((remote.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

describe('sync to a real MLflow server: several runs, exactly once', () => {
  const fixture = useSyncFixture('airlock-sync-', { settings: { passRetries: 0 } });
  const runs: Run[] = [];

  it('sends runs with every param, tag, metric point and artifact; MLflow holds what Airlock recorded', async () => {
    const { server, services, api } = fixture;
    runs.push(
      insertRun(services, {
        points: [...series('train/loss', 1500), ...series('train/learning_rate', 1500), ...series('val/accuracy', 5)],
        metrics: { 'val/accuracy': 0.93, 'test/accuracy': 0.91, 'test/f1_macro': 0.9 },
        details: CONFUSION,
        withModel: true,
      }),
      insertRun(services, { status: 'failed', points: series('train/loss', 40), config: { data: { train_path: '/data/reviews.csv', text_column: 'x'.repeat(7000), label_column: 'sentiment' } } }),
      insertRun(services, { status: 'cancelled', experiment: 'other-experiment', points: series('train/loss', 10) }),
    );
    const pending = await api.call('sync.status', {});
    expect(pending.ok && pending.data.status.counts).toEqual({ pending: 3, synced: 0, failed: 0 });

    const notices: Notice[] = [];
    const unsubscribe = api.subscribe((notice) => notices.push(notice));
    const result = await api.call('sync.now', {});
    unsubscribe();
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const report = result.ok ? result.data.report : null!;
    expect(report.synced.sort()).toEqual(runs.map((run) => `run:${run.id}`).sort());
    expect(report.failed).toEqual([]);
    expect(report.metricPointsSent).toBe(1500 * 2 + 5 + 40 + 10);
    expect(notices.some((notice) => notice.kind === 'progress' && notice.task === 'sync' && notice.fraction === 1)).toBe(true);

    const [trained, failed, cancelled] = runs;
    const remote = await remoteRunOf(server, 'sync-test', trained.id);
    expect(remote.info.status).toBe('FINISHED');
    expect(Number(remote.info.start_time)).toBe(Date.parse(trained.startedAt!));
    expect(Number(remote.info.end_time)).toBe(Date.parse(trained.finishedAt!));
    expect(paramsOf(remote)).toEqual(configParams(trained.config));
    expect(tagsOf(remote)).toMatchObject({ 'airlock.run_id': trained.id, 'airlock.base_model': 'tiny', 'airlock.device': 'cpu', 'airlock.status': 'completed', team: 'analysts' });
    expect(await expectSameHistory(services, server, trained, remote.info.run_id)).toBe(3005);
    // Final scores with no history arrive as one point each; val/accuracy keeps its recorded history.
    expect(await metricHistory(server, remote.info.run_id, 'test/accuracy')).toEqual([{ key: 'test/accuracy', value: 0.91, timestamp: Date.parse(trained.finishedAt!), step: 1499 }]);
    expect(await artifactPaths(server, remote.info.run_id)).toEqual(['config.yaml', 'confusion_matrix/' + `${trained.id}-confusion_matrix.json`, 'model/config.json', 'model/model.safetensors']);

    const failedRemote = await remoteRunOf(server, 'sync-test', failed.id);
    expect(failedRemote.info.status).toBe('FAILED');
    expect(paramsOf(failedRemote)['data.text_column']).toBe('x'.repeat(6000));
    expect(tagsOf(failedRemote)['airlock.truncated_params']).toBe('data.text_column');
    expect(tagsOf(failedRemote)['airlock.error']).toContain('TRAINING_DIVERGED');
    expect(await expectSameHistory(services, server, failed, failedRemote.info.run_id)).toBe(40);

    const cancelledRemote = await remoteRunOf(server, 'other-experiment', cancelled.id);
    expect(cancelledRemote.info.status).toBe('KILLED');

    const status = await api.call('sync.status', {});
    const items = status.ok ? status.data.status.items : [];
    expect(items.map((item) => item.state)).toEqual(['synced', 'synced', 'synced']);
    const item = items.find((entry) => entry.localId === trained.id)!;
    expect(item).toMatchObject({ remoteId: remote.info.run_id, metricsConfirmed: 3005, metricsTotal: 3005, paramsDone: true, artifactsDone: true });
    expect(item.remoteUrl).toBe(`${server.uri}/#/experiments/${remote.info.experiment_id}/runs/${remote.info.run_id}`);
  });

  it('syncing again creates nothing new', async () => {
    const { server, services, api } = fixture;
    const before = await allRemoteRuns(server);
    const result = await api.call('sync.now', {});
    expect(result.ok && result.data.report).toMatchObject({ synced: [], failed: [], pending: 0, metricPointsSent: 0 });
    const after = await allRemoteRuns(server);
    expect(after.length).toBe(before.length);
    expect(after.length).toBe(3);
    const trained = runs[0];
    expect(await expectSameHistory(services, server, trained, (await remoteRunOf(server, 'sync-test', trained.id)).info.run_id)).toBe(3005);
  });

  it('a run that changes after its sync (resumed) sends only its new points', async () => {
    const { server, services, api } = fixture;
    const run = runs[1];
    services.runs.addMetrics(run.id, series('train/loss', 25, 40));
    services.runs.finish(run.id, { status: 'completed', durationS: 3 }, new Date().toISOString());
    const result = await api.call('sync.now', {});
    expect(result.ok && result.data.report).toMatchObject({ synced: [`run:${run.id}`], metricPointsSent: 25 });
    const remote = await remoteRunOf(server, 'sync-test', run.id);
    expect(remote.info.status).toBe('FINISHED');
    expect(await expectSameHistory(services, server, services.runs.get(run.id)!, remote.info.run_id)).toBe(65);
  });

  it('a 100,000-point metric history syncs in batches (time measured)', async () => {
    const { server, services } = fixture;
    const run = insertRun(services, { points: series('train/loss', 100_000) });
    const batches: string[] = [];
    const started = performance.now();
    const report = await services.sync.syncNow({ onProgress: (_fraction, message) => message.includes('metric points') && batches.push(message) });
    const seconds = (performance.now() - started) / 1000;
    console.log(`[sync bench] 100,000 metric points: ${seconds.toFixed(1)} s wall (one pass incl. Python start-up), ${batches.length} batches, ${(100_000 / seconds).toFixed(0)} points/s`);
    expect(report.synced).toEqual([`run:${run.id}`]);
    expect(report.metricPointsSent).toBe(100_000);
    expect(batches.length).toBe(100);
    const remote = await remoteRunOf(server, 'sync-test', run.id);
    expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(100_000);
  });

  it('syncs a really trained tiny-model run with its model, from the CLI (server from the environment)', async () => {
    const { server, services } = fixture;
    const home = services.paths.root;
    const csv = writeSentimentCsv(join(fixture.dir, 'reviews.csv'), 20);
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
    const config = writeTinyRunConfig(join(fixture.dir, 'run.yaml'), csv, { training: { max_epochs: 1 }, experiment: 'trained' });
    const trained = airlock(home, ['train', config, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const runId = trained.json.run.id as string;

    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', 'sync', '--json'], {
      env: { ...process.env, AIRLOCK_HOME: home, MLFLOW_TRACKING_URI: server.uri },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).report.synced).toEqual([`run:${runId}`]);
    const status = airlock(home, ['sync', 'status', '--json']);
    expect(status.json.status.counts).toMatchObject({ pending: 0, failed: 0 });
    expect(status.json.status.items.find((item: { localId: string }) => item.localId === runId)).toMatchObject({ state: 'synced', paramsDone: true, artifactsDone: true });
    {
      const remote = await remoteRunOf(server, 'trained', runId);
      const run = services.runs.get(runId)!;
      expect(run.datasetId).toBeTruthy();
      expect(tagsOf(remote)['airlock.dataset_fingerprint']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(remote.info.status).toBe('FINISHED');
      expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(services.runs.metrics(runId).length);
      const files = await artifactPaths(server, remote.info.run_id);
      expect(files).toContain('model/model.safetensors');
      expect(files).toContain('model/config.json');
      expect(files).toContain('config.yaml');
      expect(files.some((file) => file.startsWith('confusion_matrix/'))).toBe(true);
    }
  }, 300_000);
});
