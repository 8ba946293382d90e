import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebHost, type WebHost, type WebHostOptions } from '../../electron/web/host.ts';
import { tempDir } from '../helpers/home.ts';

/** A secret that must never be served: it lives next to (outside) the renderer folder. */
export const SECRET = 'TOP-SECRET-outside-the-renderer-folder';

/** A started host over a temp data folder and a small built page, with a secret file beside the page. */
export interface TestHost {
  host: WebHost;
  root: string;
  rendererDir: string;
  home: string;
  close(): Promise<void>;
}

export async function startTestHost(options: Omit<WebHostOptions, 'home' | 'rendererDir'> = {}): Promise<TestHost> {
  const dir = tempDir('airlock-web-');
  const rendererDir = join(dir.path, 'renderer');
  const home = join(dir.path, 'home');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Airlock</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("airlock");');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body { margin: 0 }');
  writeFileSync(join(dir.path, 'secret.txt'), SECRET);
  symlinkSync(join(dir.path, 'secret.txt'), join(rendererDir, 'assets', 'linked.txt'));
  const host = await startWebHost({ ...options, home, rendererDir });
  return {
    host,
    root: dir.path,
    rendererDir,
    home,
    async close() {
      await host.close();
      dir.cleanup();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with the path and headers exactly as given (no normalisation of `..`). */
export function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes written straight to the socket, for request lines the HTTP client refuses to send; returns the status. */
export function sendRaw(port: number, text: string): Promise<{ status: number; response: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let response = '';
    socket.setEncoding('latin1').on('data', (chunk) => (response += chunk));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0), response }));
    socket.on('error', reject);
    setTimeout(() => socket.end(), 1000);
  });
}

/** A JSON API call with the token as a bearer header. */
export async function callApi(host: WebHost, name: string, input: unknown): Promise<RawResponse & { json: any }> {
  const response = await send(host.port, {
    method: 'POST',
    path: `/api/call/${name}`,
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { ...response, json: JSON.parse(response.body) };
}

/** Opens the events WebSocket: resolves with the socket once open, or with the HTTP status it was refused with. */
export function openEvents(port: number, options: { path?: string; headers?: Record<string, string> } = {}): Promise<{ socket?: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/api/events'}`, { headers: options.headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode });
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}
