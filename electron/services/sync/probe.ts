import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Reachability } from '../../../schemas/sync.ts';
import type { Connection } from './connection.ts';

/**
 * Asks the configured tracking server, and nothing else, whether it answers: GET <uri>/health.
 * Any answer below 500 counts (a proxy's 404 or an auth wall's 401 still mean the network is there).
 */
export function probeServer(connection: Connection, redact: (text: string) => string, timeoutMs = 5000): Promise<Reachability> {
  const checkedAt = () => new Date().toISOString();
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('health', connection.trackingUri.endsWith('/') ? connection.trackingUri : connection.trackingUri + '/');
    } catch {
      resolve({ state: 'unreachable', checkedAt: checkedAt(), message: 'The tracking URI is not a valid URL.' });
      return;
    }
    const secure = url.protocol === 'https:';
    const ca = secure && connection.caBundlePath ? readFileSync(connection.caBundlePath) : undefined;
    const request = (secure ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs, ca }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve(
        status < 500
          ? { state: 'reachable', checkedAt: checkedAt(), message: null }
          : { state: 'unreachable', checkedAt: checkedAt(), message: `The server answered HTTP ${status}.` },
      );
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error) => resolve({ state: 'unreachable', checkedAt: checkedAt(), message: redact(error.message) }));
    request.end();
  });
}

/** The next probe delay: the interval while all is well, doubling per failure up to 32 times it. */
export function nextProbeDelayMs(intervalS: number, consecutiveFailures: number): number {
  return intervalS * 1000 * 2 ** Math.min(consecutiveFailures, 5);
}
