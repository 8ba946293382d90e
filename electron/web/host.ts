import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { createServices, type Services } from '../services/index.ts';
import { defaultHome } from '../services/home.ts';
import { createApi, type Api } from '../services/api/handlers.ts';
import { APP_ROOT } from '../services/trainer/python.ts';
import { admit, tokenCookie, type Gate } from './guard.ts';
import { securityHeaders, sendJson } from './headers.ts';
import { serveStatic } from './static-files.ts';
import { CALL_BODY_LIMIT, failure, handleCall, refuse } from './api-routes.ts';
import { handleUpload, pruneUploads, UPLOAD_LIMIT } from './upload.ts';
import { NoticeSockets } from './events.ts';

/** Where `node build/build-renderer.mjs` puts the built page. */
export const DEFAULT_RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');

export interface WebHostOptions {
  /** The data folder to open (default: AIRLOCK_HOME or the app-data folder); ignored when `services` is given. */
  home?: string;
  /** Services already opened by the caller, who then also closes them. */
  services?: Services;
  /** 0 (the default) picks a free port. */
  port?: number;
  rendererDir?: string;
  callBodyLimit?: number;
  uploadLimit?: number;
  /** Told about every request refused for its token, Host or Origin (`airlock web` logs them). */
  onRefused?: (refusal: Refusal) => void;
}

/** A request the guard refused: what it asked for (the query, which may hold a token, left out) and why. */
export interface Refusal {
  status: 401 | 403 | 404;
  method: string;
  path: string;
  origin?: string;
  reason: string;
}

export interface WebHost {
  /** The address to open, token included: `http://127.0.0.1:P/?token=...`. */
  url: string;
  token: string;
  port: number;
  services: Services;
  /** The start-up line, exactly as `airlock web` prints it. */
  banner: string;
  /** Whether dist/renderer holds a built page. */
  rendererBuilt: boolean;
  /** Stops serving, cancels runs this host started (keeping their checkpoints), and closes what it opened. */
  close(): Promise<void>;
}

/** What a static request gets when the renderer has not been built. */
export const NOT_BUILT = 'The Airlock UI has not been built yet. Build it with `node build/build-renderer.mjs` (or run `npm start`), then reload this page.';

/** The start-up line: `Airlock UI: http://127.0.0.1:P/?token=...`. */
export function bannerOf(url: string): string {
  return `Airlock UI: ${url}`;
}

/**
 * Serves the built renderer and the API on 127.0.0.1: `POST /api/call/<name>`, `POST /api/upload`, and
 * the WebSocket `/api/events`. Every request must carry the per-launch token and be addressed to this
 * loopback host from no other origin.
 *
 * From a test: `const host = await startWebHost({ home }); await page.goto(host.url); ...; await host.close();`
 */
export async function startWebHost(options: WebHostOptions = {}): Promise<WebHost> {
  const ownsServices = !options.services;
  const services = options.services ?? (await createServices(options.home ?? defaultHome()));
  const api: Api = createApi(services);
  const rendererDir = resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  const uploads = join(services.paths.root, 'uploads');
  pruneUploads(uploads);
  const gate: Gate = { port: 0, token: randomBytes(32).toString('hex') };
  let headers: Record<string, string> = {};
  const sockets = new NoticeSockets(api);

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawUrl = request.url ?? '/';
    const path = rawUrl.split('?')[0];
    const url = new URL(rawUrl.startsWith('/') ? rawUrl : '/', `http://127.0.0.1:${gate.port}`);
    const verdict = admit(request, url, gate);
    if (!verdict.ok) options.onRefused?.({ status: verdict.status, method: request.method ?? '', path, origin: request.headers.origin, reason: verdict.message });
    if (!verdict.ok) return refuse(request, response, verdict.status, failure(verdict.message, undefined, 'ACCESS_DENIED'), headers);
    if (path.startsWith('/api/call/')) return handleCall(api, path, request, response, headers, options.callBodyLimit ?? CALL_BODY_LIMIT);
    if (path === '/api/upload') return handleUpload(uploads, url, request, response, headers, options.uploadLimit ?? UPLOAD_LIMIT);
    if (path.startsWith('/api/')) return refuse(request, response, 404, failure(`Nothing is served at ${path}.`), headers);
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(request, response, 405, failure('Only GET and HEAD are served here.'), { ...headers, Allow: 'GET, HEAD' });
    const pageHeaders = verdict.source === 'query' ? { ...headers, 'Set-Cookie': tokenCookie(gate) } : headers;
    if (!existsSync(join(rendererDir, 'index.html'))) {
      response.writeHead(503, { ...pageHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      return void response.end(NOT_BUILT + '\n');
    }
    const outcome = serveStatic(rendererDir, path, request.method, response, pageHeaders);
    if (outcome === 'refused') return refuse(request, response, 400, failure('That path is not allowed.'), headers);
    // Browsers ask for an icon on their own; without one, answer "nothing" rather than an error.
    if (outcome === 'not-found' && path === '/favicon.ico') return void response.writeHead(204, headers).end();
    if (outcome === 'not-found') return sendJson(response, 404, failure(`Nothing is served at ${path}.`), headers);
  }

  function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl.startsWith('/') ? rawUrl : '/', `http://127.0.0.1:${gate.port}`);
    const verdict = rawUrl.split('?')[0] === '/api/events' ? admit(request, url, gate) : ({ ok: false, status: 404, message: 'Not found' } as const);
    if (!verdict.ok) {
      options.onRefused?.({ status: verdict.status, method: 'WebSocket', path: rawUrl.split('?')[0], origin: request.headers.origin, reason: verdict.message });
      const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[verdict.status];
      socket.end(`HTTP/1.1 ${verdict.status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.accept(request, socket, head);
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: { code: 'INTERNAL_ERROR', message: 'The web host failed to answer.' } }, headers);
      else response.destroy(error as Error);
    });
  });
  server.on('upgrade', upgrade);
  server.on('clientError', (_error, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  gate.port = (server.address() as AddressInfo).port;
  headers = securityHeaders(gate.port);
  const url = `http://127.0.0.1:${gate.port}/?token=${gate.token}`;

  // Auto-sync (off unless the user turned it on) belongs to whoever opened the services.
  const stopAutoSync = ownsServices ? services.sync.startAutoSync() : () => {};
  let closing: Promise<void> | null = null;
  return {
    url,
    token: gate.token,
    port: gate.port,
    services,
    banner: bannerOf(url),
    rendererBuilt: existsSync(join(rendererDir, 'index.html')),
    close() {
      closing ??= (async () => {
        stopAutoSync();
        sockets.close();
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        });
        await services.supervisor.stopAll();
        if (ownsServices) services.close();
      })();
      return closing;
    },
  };
}
