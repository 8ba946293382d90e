import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a request must match: the loopback port the host serves and its per-launch token. */
export interface Gate {
  port: number;
  token: string;
}

/** Where a request's token came from; `query` means the page should get the cookie. */
export type TokenSource = 'header' | 'cookie' | 'query';

export type Verdict = { ok: true; source: TokenSource } | { ok: false; status: 401 | 403; message: string };

/** The cookie carrying the token; named by port because cookies are shared by every port of a host. */
export function tokenCookieName(port: number): string {
  return `airlock_token_${port}`;
}

/** The cookie that lets the page (and its reloads, fetches and WebSocket) carry the token without script access. */
export function tokenCookie(gate: Gate): string {
  return `${tokenCookieName(gate.port)}=${gate.token}; Path=/; HttpOnly; SameSite=Strict`;
}

function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function presentedToken(request: IncomingMessage, url: URL, port: number): { token: string; source: TokenSource } | null {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return { token: authorization.slice('Bearer '.length).trim(), source: 'header' };
  const cookie = cookieValue(request.headers.cookie, tokenCookieName(port));
  if (cookie) return { token: cookie, source: 'cookie' };
  const query = url.searchParams.get('token');
  if (query) return { token: query, source: 'query' };
  return null;
}

/**
 * Admits a request only when it is addressed to this loopback host (a DNS-rebinding page sends its own
 * host name), comes from no other origin (cross-site pages send theirs), and carries the launch token.
 */
export function admit(request: IncomingMessage, url: URL, gate: Gate): Verdict {
  const hosts = loopbackHosts(gate.port);
  const host = request.headers.host?.toLowerCase();
  if (!host || !hosts.includes(host)) return { ok: false, status: 403, message: 'This host only answers requests addressed to 127.0.0.1 or localhost on its own port.' };
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.some((allowed) => origin.toLowerCase() === `http://${allowed}`)) {
    return { ok: false, status: 403, message: 'Requests from other sites are refused.' };
  }
  // Browsers mark requests made by other sites' pages. Only a top-level navigation (a link to the printed
  // address) may come from elsewhere: it still needs the token, and the page cannot be framed or read.
  const site = request.headers['sec-fetch-site'];
  const navigation = request.method === 'GET' && request.headers['sec-fetch-mode'] === 'navigate' && request.headers['sec-fetch-dest'] === 'document';
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation) return { ok: false, status: 403, message: 'Requests from other sites are refused.' };
  const presented = presentedToken(request, url, gate.port);
  if (!presented || !sameToken(presented.token, gate.token)) {
    return { ok: false, status: 401, message: 'Open the address printed when Airlock started (it carries the access token).' };
  }
  return { ok: true, source: presented.source };
}
