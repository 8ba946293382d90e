import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toErrorShape } from '../../schemas/errors.ts';
import { failure, refuse } from './api-routes.ts';
import { sendJson } from './headers.ts';

/** Largest file the page may upload (datasets can be large; the disk is the real limit). */
export const UPLOAD_LIMIT = 8 * 1024 ** 3;
/** Uploads older than this are removed when the host starts. */
const UPLOAD_MAX_AGE_MS = 24 * 3600 * 1000;

/** A file name safe to create: its last path part, only plain characters, no leading dot, not too long. */
export function safeFileName(name: string | null): string {
  const base = basename((name ?? '').replace(/\\/g, '/'));
  const cleaned = base.replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^[.\s]+/, '').slice(-120).trim();
  return cleaned || 'upload';
}

/** Removes upload folders left from earlier sessions (the imported copy lives in the dataset folder). */
export function pruneUploads(folder: string, now = Date.now()): void {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry);
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? now;
    if (now - modified > UPLOAD_MAX_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

class TooLarge extends Error {}

/** Counts bytes as they pass and fails the stream past `limit`. */
function byteLimit(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > limit ? new TooLarge() : null, chunk);
    },
  });
}

/**
 * POST /api/upload?name=<file name>: the file's bytes (application/octet-stream) are streamed into
 * `<folder>/<random>/<safe name>`; the answer is `{ ok: true, data: { path } }`. Nothing is left behind
 * when the upload is refused or cut off.
 */
export async function handleUpload(folder: string, url: URL, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>, limit = UPLOAD_LIMIT): Promise<void> {
  if (request.method !== 'POST') return refuse(request, response, 405, failure('Uploads are POST requests.'), { ...headers, Allow: 'POST' });
  if (!/^application\/octet-stream\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return refuse(request, response, 415, failure('Uploads send the raw bytes (Content-Type: application/octet-stream).'), headers);
  }
  const tooLarge = failure(`The file is larger than ${limit} bytes.`, 'Copy it to this machine and type its path instead.');
  if (Number(request.headers['content-length'] ?? 0) > limit) return refuse(request, response, 413, tooLarge, headers);
  const target = join(folder, randomBytes(12).toString('hex'));
  const file = join(target, safeFileName(url.searchParams.get('name')));
  try {
    mkdirSync(target, { recursive: true });
    await pipeline(request, byteLimit(limit), createWriteStream(`${file}.partial`));
    renameSync(`${file}.partial`, file);
  } catch (error) {
    rmSync(target, { recursive: true, force: true });
    if (error instanceof TooLarge) return refuse(request, response, 413, tooLarge, headers);
    if (request.destroyed || request.readableAborted) return;
    return refuse(request, response, 500, { ok: false, error: toErrorShape(error) }, headers);
  }
  sendJson(response, 200, { ok: true, data: { path: file } }, headers);
}
