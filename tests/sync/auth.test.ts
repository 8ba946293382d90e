import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { metricHistory, mlflowRest } from '../helpers/mlflow-server.ts';
import { insertRun, outboxRow, series, useSyncFixture } from './helpers.ts';

const WRONG_PASSWORD = 'not-the-password-7c1e';

describe('sync to a server with basic auth', () => {
  const fixture = useSyncFixture('airlock-sync-auth-', { basicAuth: true });

  it('wrong credentials: a clear error at once, the password never shown, nothing marked synced', async () => {
    const { server, services, api } = fixture;
    const run = insertRun(services, { experiment: 'guarded', points: series('train/loss', 50) });
    await api.call('sync.settings.set', { credentials: { kind: 'basic', username: 'admin', password: WRONG_PASSWORD } });
    const started = Date.now();
    const result = await api.call('sync.now', {});
    expect(result.ok).toBe(false);
    const error = result.ok ? null! : result.error;
    expect(error.code).toBe('MLFLOW_AUTH_FAILED');
    expect(error.message).toContain('HTTP 401');
    expect(error.hint).toContain('MLFLOW_TRACKING_PASSWORD');
    expect(JSON.stringify(error)).not.toContain(WRONG_PASSWORD);
    expect(Date.now() - started).toBeLessThan(60_000); // 401 is not retried with backoff
    expect(outboxRow(services, run.id)).toMatchObject({ state: 'pending', metrics_confirmed: 0, remote_id: null });
    const status = await api.call('sync.status', {});
    expect(status.ok && status.data.status.counts).toMatchObject({ synced: 0, pending: 1 });
    expect(status.ok && status.data.status.lastPass?.error?.code).toBe('MLFLOW_AUTH_FAILED');
    // Credentials live in the secret store only: the settings view shows their kind, the database holds no copy.
    const settings = await api.call('sync.settings.get', {});
    expect(settings.ok && settings.data.settings).toMatchObject({ credentials: 'basic', credentialsSource: 'secret-store' });
    const stored = services.db.prepare('SELECT group_concat(value) AS text FROM sync_meta').get() as { text: string };
    expect(stored.text).not.toContain(WRONG_PASSWORD);
    const found = await mlflowRest(server, 'GET', 'experiments/get-by-name', { experiment_name: 'guarded' }, server.admin!).catch((caught: Error) => caught);
    expect(String(found)).toContain('404'); // nothing reached the server
  });

  it('the same from the CLI with MLFLOW_TRACKING_USERNAME/PASSWORD: exit 1, code on stdout, password nowhere in the output', () => {
    const { server, services } = fixture;
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', 'sync', '--json'], {
      env: { ...process.env, AIRLOCK_HOME: services.paths.root, MLFLOW_TRACKING_URI: server.uri, MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: WRONG_PASSWORD },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout).error.code).toBe('MLFLOW_AUTH_FAILED');
    expect(cli.stdout + cli.stderr).not.toContain(WRONG_PASSWORD);
  });

  it('the right credentials: synced', async () => {
    const { server, services, api } = fixture;
    const [run] = services.runs.list();
    await api.call('sync.settings.set', { credentials: { kind: 'basic', ...server.admin! } });
    const result = await api.call('sync.now', {});
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.ok && result.data.report.synced).toEqual([`run:${run.id}`]);
    const experiment = (await mlflowRest(server, 'GET', 'experiments/get-by-name', { experiment_name: 'guarded' }, server.admin!)).experiment;
    const found = await mlflowRest(server, 'POST', 'runs/search', { experiment_ids: [experiment.experiment_id] }, server.admin!);
    expect(found.runs).toHaveLength(1);
    const history = await metricHistory(server, found.runs[0].info.run_id, 'train/loss', server.admin!);
    expect(history.map((point) => point.step)).toEqual(services.runs.metrics(run.id).map((point) => point.step));
    expect(outboxRow(services, run.id)?.state).toBe('synced');
  });

  it('a user the server knows but who may not write there: 403 stops at once, nothing marked synced', async () => {
    const { server, services, api } = fixture;
    const reader = { username: 'reader', password: 'reader-password-5d2a' };
    await mlflowRest(server, 'POST', 'users/create', reader, server.admin!);
    await mlflowRest(server, 'POST', 'experiments/create', { name: 'locked' }, server.admin!); // the admin's: others only READ
    const run = insertRun(services, { experiment: 'locked', points: series('train/loss', 20) });
    await api.call('sync.settings.set', { credentials: { kind: 'basic', ...reader } });
    const result = await api.call('sync.now', {});
    expect(result.ok).toBe(false);
    const error = result.ok ? null! : result.error;
    expect(error.code).toBe('MLFLOW_AUTH_FAILED');
    expect(error.message).toContain('HTTP 403');
    expect(JSON.stringify(error)).not.toContain(reader.password);
    expect(outboxRow(services, run.id)).toMatchObject({ state: 'pending', metrics_confirmed: 0, remote_id: null });
    const experiment = (await mlflowRest(server, 'GET', 'experiments/get-by-name', { experiment_name: 'locked' }, server.admin!)).experiment;
    expect((await mlflowRest(server, 'POST', 'runs/search', { experiment_ids: [experiment.experiment_id] }, server.admin!)).runs ?? []).toHaveLength(0);
  });
});
