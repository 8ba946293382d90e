import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiCalls, type ApiName, type ApiResult } from '../../schemas/api.ts';
import type { AirlockErrorShape, ErrorCode } from '../../schemas/errors.ts';
import type { Api } from '../services/api/handlers.ts';
import { sendJson } from './headers.ts';

/** Largest JSON body a call may send (configs and paths are small). */
export const CALL_BODY_LIMIT = 1024 * 1024;

/** A failed call in the shape every front end shows. */
export function failure(message: string, hint?: string, code: ErrorCode = 'INVALID_INPUT'): ApiResult<never> {
  const error: AirlockErrorShape = { code, message };
  if (hint) error.hint = hint;
  return { ok: false, error };
}

/** The call named by a request path (`/api/call/<name>`), when it is one of the API table's. */
export function callNameOf(path: string): ApiName | null {
  const name = path.slice('/api/call/'.length);
  return /^[a-z]+(\.[a-zA-Z]+)+$/.test(name) && Object.hasOwn(ApiCalls, name) ? (name as ApiName) : null;
}

type Body = { ok: true; text: string } | { ok: false; status: number; result: ApiResult<never> };

/** Reads a request body as UTF-8 text, refusing it once it passes `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  const tooLarge: Body = { ok: false, status: 413, result: failure(`The request is larger than ${limit} bytes.`) };
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settled = true;
        resolve(tooLarge);
      } else chunks.push(chunk);
    });
    request.on('end', () => {
      if (!settled) resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
      settled = true;
    });
    request.on('error', () => {
      if (!settled) resolve({ ok: false, status: 400, result: failure('The request was cut off.') });
      settled = true;
    });
  });
}

/** Ends a refused request's connection once the answer is out, so an oversized body is not read on. */
export function refuse(request: IncomingMessage, response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  response.shouldKeepAlive = false;
  sendJson(response, status, body, { ...headers, Connection: 'close' });
  response.on('finish', () => request.destroy());
}

/** POST /api/call/<name>: a JSON body in, the call's ApiResult out (HTTP 200 whenever the call itself answered). */
export async function handleCall(api: Api, path: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>, limit = CALL_BODY_LIMIT): Promise<void> {
  const name = callNameOf(path);
  if (!name) return refuse(request, response, 404, failure(`There is no call "${path.slice('/api/call/'.length)}".`), headers);
  if (request.method !== 'POST') return refuse(request, response, 405, failure('API calls are POST requests.'), { ...headers, Allow: 'POST' });
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return refuse(request, response, 415, failure('API calls send a JSON body (Content-Type: application/json).'), headers);
  }
  const body = await readBody(request, limit);
  if (!body.ok) return refuse(request, response, body.status, body.result, headers);
  let input: unknown = {};
  if (body.text.trim() !== '') {
    try {
      input = JSON.parse(body.text);
    } catch {
      return sendJson(response, 400, failure(`The body of ${name} is not valid JSON.`, 'Send one JSON object with the call\'s input.'), headers);
    }
  }
  sendJson(response, 200, await api.call(name, input as never), headers);
}
