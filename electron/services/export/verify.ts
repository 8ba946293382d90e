import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AirlockError, type ErrorCode } from '../../../schemas/errors.ts';
import { BundleManifest, type ManifestFile, type VerifiedBundle } from '../../../schemas/registry.ts';
import { MANIFEST_NAME, hashFile, listFiles } from './manifest.ts';

const TAMPERED = 'The bundle is not what was exported; do not use it. Export it again from the registry.';

function refuse(code: ErrorCode, path: string, message: string, hint = TAMPERED): never {
  throw new AirlockError(code, message, { field: path, hint });
}

/** A manifest path is safe when it is relative, normalized, and stays inside the bundle. */
export function isSafeRelativePath(path: string): boolean {
  if (!path || isAbsolute(path) || posix.isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) return false;
  const parts = path.split('/');
  return parts.every((part) => part !== '' && part !== '.' && part !== '..') && posix.normalize(path) === path;
}

/** Reads and checks manifest.json's shape. */
export function readManifest(folder: string): { manifest: BundleManifest; sha256: string } {
  return readManifestAs(folder, BundleManifest);
}

/** Reads manifest.json and checks it against `schema` (a bundle's or a runtime pack's); `hint` says what to do when it is wrong. */
export function readManifestAs<T extends z.ZodType>(folder: string, schema: T, hint = TAMPERED): { manifest: z.infer<T>; sha256: string } {
  const path = join(folder, MANIFEST_NAME);
  if (!existsSync(path)) {
    throw new AirlockError('BUNDLE_MANIFEST_MISSING', `${folder} has no manifest.json, so it is not complete.`, {
      field: MANIFEST_NAME,
      hint: hint === TAMPERED ? 'An export that was interrupted leaves no manifest: export the model again.' : hint,
    });
  }
  if (lstatSync(path).isSymbolicLink()) refuse('BUNDLE_SYMLINK', MANIFEST_NAME, 'manifest.json is a symbolic link.', hint);
  const bytes = readFileSync(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    refuse('BUNDLE_MANIFEST_INVALID', MANIFEST_NAME, 'manifest.json is not valid JSON.', hint);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const problem = result.error.issues[0];
    refuse('BUNDLE_MANIFEST_INVALID', MANIFEST_NAME, `manifest.json is not an Airlock manifest of this kind (${problem.path.join('.') || 'root'}: ${problem.message}).`, hint);
  }
  return { manifest: result.data as z.infer<T>, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Checks a bundle against its manifest: no unsafe paths, no symlinks, every listed file present with its size
 * and SHA-256, nothing unlisted. Throws the first problem as an AirlockError naming the file (in `field`).
 */
export async function verifyBundle(folder: string): Promise<VerifiedBundle> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new AirlockError('FILE_NOT_FOUND', `The folder ${folder} does not exist.`, { hint: 'Check the path to the bundle.' });
  }
  const { manifest, sha256 } = readManifest(folder);
  const bytes = await checkManifestFiles(folder, manifest.files);
  const lm = { ...(manifest.kind ? { kind: manifest.kind } : {}), ...(manifest.base ? { base: manifest.base } : {}) };
  return { path: folder, model: manifest.model, ...lm, files: manifest.files.length, bytes, manifestSha256: sha256 };
}

/**
 * Checks a folder against the files its manifest lists: no unsafe paths, no symlinks, every listed file present
 * with its size and SHA-256, nothing unlisted. Returns the bytes checked; throws the first problem, naming the file.
 */
export async function checkManifestFiles(folder: string, files: ManifestFile[], hint = TAMPERED): Promise<number> {
  const listed = new Set<string>();
  for (const entry of files) {
    if (!isSafeRelativePath(entry.path) || entry.path === MANIFEST_NAME) {
      refuse('BUNDLE_PATH_UNSAFE', entry.path, `manifest.json lists "${entry.path}", a path outside the folder or not in canonical form.`, hint);
    }
    if (listed.has(entry.path)) refuse('BUNDLE_MANIFEST_INVALID', entry.path, `manifest.json lists ${entry.path} twice.`, hint);
    listed.add(entry.path);
  }
  const present = listFiles(folder).filter((path) => path !== MANIFEST_NAME); // refuses symlinks anywhere
  const presentSet = new Set(present);
  for (const entry of files) {
    if (!presentSet.has(entry.path)) refuse('BUNDLE_FILE_MISSING', entry.path, `${entry.path} is listed in manifest.json but missing.`, hint);
  }
  for (const path of present) {
    if (!listed.has(path)) refuse('BUNDLE_FILE_UNLISTED', path, `${path} is in the folder but not in manifest.json.`, hint);
  }
  let bytes = 0;
  for (const entry of files) {
    const path = join(folder, entry.path);
    const size = statSync(path).size;
    if (size !== entry.size) refuse('BUNDLE_FILE_CHANGED', entry.path, `${entry.path} has ${size} bytes; manifest.json says ${entry.size}.`, hint);
    if ((await hashFile(path)).sha256 !== entry.sha256) refuse('BUNDLE_FILE_CHANGED', entry.path, `${entry.path} does not match its SHA-256 in manifest.json.`, hint);
    bytes += size;
  }
  return bytes;
}
