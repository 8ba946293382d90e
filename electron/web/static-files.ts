import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The content type of a file served to the page, by extension. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether `target` is `root` itself or lies inside it. */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Maps a request path (as sent, still percent-encoded, without the query) to a file under `root`, or null
 * when the path is malformed or tries to leave `root`: encoded or plain `..` and `.` segments, encoded
 * slashes or backslashes, NUL bytes, and anything that resolves (symbolic links included) outside it.
 */
export function resolveStaticPath(root: string, requestPath: string): string | null {
  if (!requestPath.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || /%2f|%5c/i.test(requestPath)) return null;
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return null;
  const relativePath = segments.filter(Boolean).join(sep);
  const target = resolve(root, relativePath || 'index.html');
  if (!isInside(root, target)) return null;
  return target;
}

/** An existing regular file for `target`, also checked against `root` after symbolic links are followed. */
function existingFile(root: string, target: string): string | null {
  if (!existsSync(target)) return null;
  const real = realpathSync(target);
  if (!isInside(realpathSync(root), real) || !statSync(real).isFile()) return null;
  return real;
}

/** A file of the renderer folder for a request path, or why there is none. */
export type StaticLookup = { outcome: 'found'; file: string } | { outcome: 'refused' } | { outcome: 'not-found' };

/**
 * Looks a request path up in `root`. Paths without an extension that match no file get index.html,
 * so the page can use client-side routes.
 */
export function findStaticFile(root: string, requestPath: string): StaticLookup {
  const target = resolveStaticPath(root, requestPath);
  if (!target) return { outcome: 'refused' };
  let file = existingFile(root, target);
  if (!file && extname(target) === '') file = existingFile(root, join(root, 'index.html'));
  return file ? { outcome: 'found', file } : { outcome: 'not-found' };
}

/** How a static request ended, for the caller to answer when no file was sent. */
export type StaticOutcome = 'sent' | 'refused' | 'not-found';

/** Serves a file of the built renderer (see `findStaticFile`). */
export function serveStatic(root: string, requestPath: string, method: string, response: ServerResponse, headers: Record<string, string>): StaticOutcome {
  const lookup = findStaticFile(root, requestPath);
  if (lookup.outcome !== 'found') return lookup.outcome;
  const file = lookup.file;
  const size = statSync(file).size;
  response.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(file),
    'Content-Length': size,
    'Cache-Control': file.endsWith('.html') ? 'no-store' : 'no-cache',
  });
  if (method === 'HEAD') response.end();
  else createReadStream(file).pipe(response);
  return 'sent';
}
