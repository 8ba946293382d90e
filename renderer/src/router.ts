import { useSyncExternalStore } from 'react';

/** The route part of the URL hash: `#/runs/abc` → `/runs/abc`. Hash routing keeps the URL's ?token query intact. */
export function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash.startsWith('/') ? hash : '/';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route path, re-rendering on every hash change. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath, () => '/');
}

/** Goes to a route (`/runs/abc`). */
export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

/** The `href` of a route, for links. */
export function href(path: string): string {
  return `#${path}`;
}

/** Matches `/runs/:id` against `/runs/abc` → `{ id: 'abc' }`, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('?')[0].split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}
