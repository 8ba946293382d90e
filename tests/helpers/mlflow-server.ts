import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

const MLFLOW = join('.venv', 'bin', 'mlflow');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether GET <uri>/health answers 200 (node:http, so a DOM test environment's fetch is not involved). */
function healthy(uri: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(`${uri}/health`, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end();
  });
}

/** A real `mlflow server` on 127.0.0.1 (sqlite backend, proxied artifacts) that tests can kill and start again on the same data. */
export interface MlflowServer {
  uri: string;
  port: number;
  dir: string;
  /** Basic-auth admin credentials when started with `basicAuth`. */
  admin: { username: string; password: string } | null;
  start(): Promise<void>;
  /** SIGKILL (a crash) or SIGTERM (a clean stop) to the whole server process group. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `mlflow server` with its data in `dir` and waits for /health. With `basicAuth`, the server is
 * `--app-name basic-auth` with its own auth database and an admin user (MLflow ships no default password).
 */
export async function startMlflowServer(dir: string, options: { basicAuth?: boolean; port?: number } = {}): Promise<MlflowServer> {
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const port = options.port ?? (await freePort());
  const admin = options.basicAuth ? { username: 'admin', password: 'airlock-test-admin-password-1' } : null;
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' };
  const args = [
    'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts',
  ];
  if (admin) {
    const ini = join(dir, 'basic_auth.ini');
    writeFileSync(
      ini,
      ['[mlflow]', 'default_permission = READ', `database_uri = sqlite:///${join(dir, 'basic_auth.db')}`, `admin_username = ${admin.username}`,
        `admin_password = ${admin.password}`, 'authorization_function = mlflow.server.auth:authenticate_request_basic_auth', ''].join('\n'),
    );
    env.MLFLOW_AUTH_CONFIG_PATH = ini;
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'airlock-test-csrf-key';
    args.push('--app-name', 'basic-auth');
  }
  const uri = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const server: MlflowServer = {
    uri,
    port,
    dir,
    admin,
    async start() {
      const log = createWriteStream(join(dir, 'server.log'), { flags: 'a' });
      child = spawn(MLFLOW, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      const started = child;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (started.exitCode !== null) throw new Error(`mlflow server exited: ${readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)}`);
        if (await healthy(uri)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error('mlflow server did not answer /health within 120 s');
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      try {
        process.kill(-running.pid!, signal); // the server and its uvicorn worker
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-running.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
      // The worker may outlive the parent for a moment: wait until the port refuses connections.
      for (let tries = 0; tries < 100 && (await healthy(uri)); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
  await server.start();
  return server;
}

/** Calls MLflow's REST API (2.0) and returns the JSON body; throws with the status on failure. */
export async function mlflowRest(server: { uri: string }, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>, auth?: { username: string; password: string }): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  let url = `${server.uri}/api/2.0/mlflow/${path}`;
  if (method === 'GET' && body) url += `?${new URLSearchParams(Object.entries(body).map(([key, value]): [string, string] => [key, String(value)]))}`;
  const send = () => fetch(url, { method, headers, body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined });
  // A kept-alive socket the server closed while the test was busy (a blocking CLI call) fails once: send again.
  const response = await send().catch(send);
  const text = await response.text();
  if (!response.ok) throw new Error(`MLflow ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/** Every point of a metric's history, following page tokens. */
export async function metricHistory(server: { uri: string }, runId: string, key: string, auth?: { username: string; password: string }): Promise<{ key: string; value: number; timestamp: number; step: number }[]> {
  const points: { key: string; value: number; timestamp: string | number; step: string | number }[] = [];
  let pageToken: string | undefined;
  do {
    const page = await mlflowRest(server, 'GET', 'metrics/get-history', { run_id: runId, metric_key: key, max_results: 25000, ...(pageToken ? { page_token: pageToken } : {}) }, auth);
    points.push(...(page.metrics ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return points.map((point) => ({ key: point.key, value: Number(point.value), timestamp: Number(point.timestamp), step: Number(point.step ?? 0) }));
}
