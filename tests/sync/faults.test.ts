import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../electron/services/index.ts';
import { AirlockError } from '../../schemas/errors.ts';
import { tempDir } from '../helpers/home.ts';
import { waitFor } from '../helpers/cli.ts';
import { freePort, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server.ts';
import { expectSameHistory, insertRun, outboxRow, remoteRunOf, series } from './helpers.ts';

/** A loopback proxy in front of the MLflow server that fails the first `failures` requests, with `statuses` in turn. */
async function failingProxy(target: MlflowServer, failures: number, statuses = [500]): Promise<{ uri: string; failed: () => number; close: () => Promise<void> }> {
  let seen = 0;
  let failed = 0;
  const port = await freePort();
  const proxy: Server = createServer((incoming, outgoing) => {
    if (seen++ < failures) {
      incoming.resume();
      outgoing.writeHead(statuses[failed++ % statuses.length], { 'content-type': 'text/plain' }).end('injected failure');
      return;
    }
    const forward = request(`${target.uri}${incoming.url}`, { method: incoming.method, headers: { ...incoming.headers, host: `127.0.0.1:${target.port}` } }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return { uri: `http://127.0.0.1:${port}`, failed: () => failed, close: () => new Promise((resolve) => proxy.close(() => resolve())) };
}

describe('sync survives faults: server killed, sync process killed, 500s; nothing duplicated, nothing missing', () => {
  const dir = tempDir('airlock-sync-faults-');
  let server: MlflowServer;
  const opened: Services[] = [];

  async function home(name: string, settings: Record<string, unknown>): Promise<Services> {
    const services = await createServices(join(dir.path, name));
    opened.push(services);
    services.sync.updateSettings({ trackingUri: server.uri, ...settings });
    return services;
  }

  beforeAll(async () => {
    server = await startMlflowServer(join(dir.path, 'mlflow'));
  }, 180_000);
  afterAll(async () => {
    opened.forEach((services) => services.close());
    await server?.stop();
    dir.cleanup();
  });

  it('the MLflow server killed in the middle of a sync: the pass fails cleanly, the next one completes exactly', async () => {
    const services = await home('server-killed', { httpMaxRetries: 1, httpBackoffFactor: 0, httpTimeoutS: 10, passRetries: 0 });
    const run = insertRun(services, { points: [...series('train/loss', 15_000), ...series('train/learning_rate', 5_000)] });
    const syncing = services.sync.syncNow().then(
      () => null,
      (error: unknown) => error,
    );
    await waitFor(() => (outboxRow(services, run.id)?.metrics_confirmed ?? 0) >= 3000, 120_000, 'a few confirmed batches');
    await server.stop('SIGKILL');
    const error = (await syncing) as AirlockError;
    expect(error).toBeInstanceOf(AirlockError);
    expect(error.code).toBe('MLFLOW_UNREACHABLE');
    const interrupted = outboxRow(services, run.id)!;
    expect(interrupted.state).toBe('pending');
    expect(interrupted.metrics_confirmed).toBeGreaterThan(0);
    expect(interrupted.metrics_confirmed).toBeLessThan(20_000);
    expect(services.sync.status().items[0].lastError?.code).toBe('MLFLOW_UNREACHABLE');

    await server.start();
    const report = await services.sync.syncNow();
    expect(report.synced).toEqual([`run:${run.id}`]);
    // Resumed after the last confirmed batch: what was confirmed before is not sent again.
    expect(report.metricPointsSent).toBeLessThanOrEqual(20_000 - interrupted.metrics_confirmed);
    const remote = await remoteRunOf(server, 'sync-test', run.id);
    expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(20_000);
    expect(outboxRow(services, run.id)).toMatchObject({ state: 'synced', metrics_confirmed: 20_000 });
  });

  it("Airlock's sync process killed mid-way: the next sync resumes from the last confirmed batch, no duplicate, none missing", async () => {
    const services = await home('cli-killed', { httpBackoffFactor: 0 });
    const run = insertRun(services, { experiment: 'killed-cli', points: series('train/loss', 20_000) });
    const cli = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', 'sync', '--json'], {
      env: { ...process.env, AIRLOCK_HOME: services.paths.root, MLFLOW_TRACKING_URI: server.uri },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => cli.on('exit', resolve));
    await waitFor(() => (outboxRow(services, run.id)?.metrics_confirmed ?? 0) >= 3000, 120_000, 'a few confirmed batches');
    cli.kill('SIGKILL');
    await exited;
    const left = outboxRow(services, run.id)!;
    expect(left.state).toBe('pending');
    expect(left.metrics_confirmed).toBeLessThan(20_000);
    expect(readdirSync(services.paths.staging).filter((name) => name.startsWith('sync-'))).toHaveLength(1); // the killed pass's job
    // The orphaned Python side stops at its next event (nobody reads them); the lock of the dead CLI is taken over.
    const report = await services.sync.syncNow();
    expect(report.synced).toEqual([`run:${run.id}`]);
    expect(report.metricPointsSent).toBeLessThanOrEqual(20_000 - left.metrics_confirmed);
    expect(readdirSync(services.paths.staging)).toEqual([]);
    const remote = await remoteRunOf(server, 'killed-cli', run.id);
    expect(remote.info.run_id).toBe(left.remote_id);
    expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(20_000);
  });

  it('the Python sync worker killed mid-way: the pass reports it, the next sync completes exactly', async () => {
    const services = await home('worker-killed', { httpBackoffFactor: 0 });
    const run = insertRun(services, { experiment: 'killed-worker', points: series('train/loss', 20_000) });
    const syncing = services.sync.syncNow().then(
      () => null,
      (error: unknown) => error,
    );
    await waitFor(() => (outboxRow(services, run.id)?.metrics_confirmed ?? 0) >= 3000, 120_000, 'a few confirmed batches');
    const worker = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .find((line) => line.includes('airlock_trainer sync'));
    expect(worker).toBeTruthy();
    process.kill(Number(worker!.trim().split(/\s+/)[0]), 'SIGKILL');
    const error = (await syncing) as AirlockError;
    expect(error.code).toBe('TRAINER_CRASHED');
    expect(error.message).toContain('killed (SIGKILL)');
    const left = outboxRow(services, run.id)!;
    expect(left.state).toBe('pending');
    const report = await services.sync.syncNow();
    expect(report.synced).toEqual([`run:${run.id}`]);
    expect(report.metricPointsSent).toBeLessThanOrEqual(20_000 - left.metrics_confirmed);
    const remote = await remoteRunOf(server, 'killed-worker', run.id);
    expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(20_000);
  });

  it('a server that answers 500, 429, 503 and then recovers: synced after backoff, each point once', async () => {
    const proxy = await failingProxy(server, 5, [500, 429, 503]);
    try {
      // Each pass: one request plus two retries (MLflow's client); the first pass fails after 3 errors, the second rides out 2 more.
      const services = await home('flaky', { trackingUri: proxy.uri, httpMaxRetries: 2, httpBackoffFactor: 1, passRetries: 2 });
      const run = insertRun(services, { experiment: 'flaky', points: series('train/loss', 2500) });
      const messages: string[] = [];
      const report = await services.sync.syncNow({ onProgress: (_fraction, message) => messages.push(message) });
      expect(proxy.failed()).toBe(5);
      expect(report.passes).toBe(2);
      expect(messages.some((message) => message.includes('Retrying in 1 s'))).toBe(true);
      expect(report.synced).toEqual([`run:${run.id}`]);
      const remote = await remoteRunOf(server, 'flaky', run.id);
      expect(await expectSameHistory(services, server, run, remote.info.run_id)).toBe(2500);
    } finally {
      await proxy.close();
    }
  });

  it('auto-sync (off by default) probes only the configured server, backs off while it is silent, and syncs once it answers', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const services = await home('auto', {});
    expect(services.sync.settings().autoSync).toBe(false);
    services.sync.updateSettings({ trackingUri: closed, autoSync: true, probeIntervalS: 5 });
    const run = insertRun(services, { experiment: 'auto', points: series('train/loss', 10) });
    const errors: unknown[] = [];
    let stop = services.sync.startAutoSync((error) => errors.push(error));
    await waitFor(() => errors.length >= 1, 30_000, 'a failed probe');
    stop();
    expect(services.sync.status().reachability).toMatchObject({ state: 'unreachable' });
    expect(outboxRow(services, run.id)?.state).toBe('pending');

    services.sync.updateSettings({ trackingUri: server.uri });
    stop = services.sync.startAutoSync((error) => errors.push(error));
    try {
      await waitFor(() => outboxRow(services, run.id)?.state === 'synced', 60_000, 'auto-sync');
    } finally {
      stop();
    }
    expect(services.sync.status().reachability.state).toBe('reachable');
  });

  it('a server that keeps failing: the sync gives up with MLFLOW_SERVER_ERROR, nothing marked synced', async () => {
    const proxy = await failingProxy(server, 1_000_000);
    try {
      const services = await home('down', { trackingUri: proxy.uri, httpMaxRetries: 1, httpBackoffFactor: 0, passRetries: 1 });
      const run = insertRun(services, { experiment: 'down', points: series('train/loss', 10) });
      const error = await services.sync.syncNow().catch((caught: unknown) => caught as AirlockError);
      expect(error).toBeInstanceOf(AirlockError);
      expect((error as AirlockError).code).toBe('MLFLOW_SERVER_ERROR');
      expect(proxy.failed()).toBe(4); // 2 passes x (1 request + 1 retry): never forever
      expect(outboxRow(services, run.id)).toMatchObject({ state: 'pending', metrics_confirmed: 0 });
    } finally {
      await proxy.close();
    }
  });
});
