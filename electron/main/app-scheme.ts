import { readFileSync } from 'node:fs';
import { contentSecurityPolicy } from '../web/headers.ts';
import { contentTypeOf, findStaticFile } from '../web/static-files.ts';

/** The renderer's origin: `app://airlock/`. A standard, secure scheme, so the page gets a real origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'airlock';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The page's CSP inside Electron: the API goes through IPC, so no network access at all. */
export const APP_CSP = contentSecurityPolicy().replace("connect-src 'self'", "connect-src 'none'");

/** Whether a URL belongs to the app's own pages (what navigation and IPC senders must match). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/**
 * Answers an `app://airlock/<path>` request from the built renderer folder, with the same containment
 * rules as the web host (no `..`, encoded separators, NUL or links out of the folder).
 */
export function appResponse(rendererDir: string, requestUrl: string): Response {
  const headers = { 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff' };
  if (!isAppUrl(requestUrl)) return new Response('Not found', { status: 404, headers });
  const rawPath = requestUrl.slice(APP_ORIGIN.length).split(/[?#]/)[0] || '/';
  const lookup = findStaticFile(rendererDir, rawPath);
  if (lookup.outcome === 'refused') return new Response('Refused', { status: 400, headers });
  if (lookup.outcome === 'not-found') return new Response('Not found', { status: 404, headers });
  return new Response(new Uint8Array(readFileSync(lookup.file)), { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(lookup.file) } });
}
