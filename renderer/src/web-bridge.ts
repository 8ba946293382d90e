import type { ApiName, ApiResult, Notice } from '../../schemas/api.ts';
import type { AirlockBridge } from '../../schemas/bridge.ts';
import type { AirlockErrorShape } from '../../schemas/errors.ts';

/** Reconnect delays for the events socket: quick at first, then every few seconds. */
const RECONNECT_DELAYS_MS = [250, 1000, 2000, 5000];

/**
 * Takes the access token from the address the host printed (`/?token=...`) and removes it from the
 * visible URL (and so from history and screenshots). After a reload the HttpOnly cookie the host set
 * carries it instead, so null is fine.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  return token;
}

function unreachable(detail: string): AirlockErrorShape {
  return {
    code: 'INTERNAL_ERROR',
    message: `The Airlock web host did not answer (${detail}).`,
    hint: 'Check that `airlock web` (or `npm start`) is still running, then reload this page.',
  };
}

/** An Error carrying the host's error shape, for promises that cannot resolve to an ApiResult. */
function bridgeError(shape: AirlockErrorShape): Error & AirlockErrorShape {
  return Object.assign(new Error(shape.message), shape);
}

/** Whether a parsed body is an ApiResult (the host answers every API request with one). */
function isApiResult(value: unknown): value is ApiResult<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

/** One WebSocket to /api/events shared by all listeners, reopened while anyone listens. */
function noticeChannel(socketUrl: string) {
  const listeners = new Set<(notice: Notice) => void>();
  let socket: WebSocket | null = null;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function open(): void {
    socket = new WebSocket(socketUrl);
    socket.onopen = () => (attempt = 0);
    socket.onmessage = (message) => {
      let notice: Notice;
      try {
        notice = JSON.parse(String(message.data)) as Notice;
      } catch {
        return;
      }
      if (typeof notice?.kind !== 'string') return;
      for (const listener of [...listeners]) listener(notice);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)];
      retry = setTimeout(open, delay);
    };
  }

  return (listener: (notice: Notice) => void): (() => void) => {
    listeners.add(listener);
    if (!socket && retry === undefined) open();
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      clearTimeout(retry);
      retry = undefined;
      socket?.close(1000);
      socket = null;
    };
  };
}

/** `window.airlock` for the web host: the API over HTTP, notices over a WebSocket, files by upload. */
export function createWebBridge(): AirlockBridge {
  const token = takeToken();
  const authorization: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const socketUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;

  async function call(name: ApiName, input: unknown): Promise<ApiResult<unknown>> {
    let response: Response;
    try {
      response = await fetch(`/api/call/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...authorization },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      return { ok: false, error: unreachable(error instanceof Error ? error.message : String(error)) };
    }
    const body: unknown = await response.json().catch(() => null);
    return isApiResult(body) ? body : { ok: false, error: unreachable(`HTTP ${response.status}`) };
  }

  function upload(file: File, onProgress?: (fraction: number) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', `/api/upload?name=${encodeURIComponent(file.name)}`);
      request.setRequestHeader('Content-Type', 'application/octet-stream');
      if (token) request.setRequestHeader('Authorization', `Bearer ${token}`);
      request.responseType = 'json';
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
      };
      request.onload = () => {
        const body: unknown = request.response;
        if (isApiResult(body) && body.ok) {
          onProgress?.(1);
          resolve((body.data as { path: string }).path);
        } else reject(bridgeError(isApiResult(body) && !body.ok ? body.error : unreachable(`HTTP ${request.status}`)));
      };
      request.onerror = () => reject(bridgeError(unreachable('the upload was cut off')));
      request.onabort = () => reject(bridgeError(unreachable('the upload was cancelled')));
      request.send(file);
    });
  }

  const bridge = {
    host: 'web',
    call: call as AirlockBridge['call'],
    subscribe: noticeChannel(socketUrl),
    // A browser has no access to local paths: the page offers upload, drop, or typing a path instead.
    choosePath: async () => null,
    pathForFile: upload,
    async saveText(suggestedName: string, text: string) {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
      link.download = suggestedName;
      link.rel = 'noopener';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      return true;
    },
  } satisfies AirlockBridge;
  return bridge;
}
