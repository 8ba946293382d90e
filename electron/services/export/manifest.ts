import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ManifestFile } from '../../../schemas/registry.ts';

/** The bundle's own files that manifest.json does not list: itself. */
export const MANIFEST_NAME = 'manifest.json';
const CHUNK = 1024 * 1024;

/**
 * SHA-256 and size of a file, read in chunks without blocking the event loop (bundles run to gigabytes);
 * with `sync`, the file is also flushed to its device (opened for writing: Windows flushes only such handles).
 */
export async function hashFile(path: string, options: { sync?: boolean } = {}): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const handle = await open(path, options.sync ? 'r+' : 'r');
  let size = 0;
  try {
    for (let { bytesRead } = await handle.read(buffer, 0, CHUNK, null); bytesRead > 0; { bytesRead } = await handle.read(buffer, 0, CHUNK, null)) {
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    if (options.sync) await handle.sync();
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every regular file under `root` as a forward-slash relative path, sorted; symlinks are refused, never followed. */
export function listFiles(root: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const relative = prefix ? `${prefix}/${name}` : name;
    const stats = lstatSync(join(root, relative));
    if (stats.isSymbolicLink()) {
      throw new AirlockError('BUNDLE_SYMLINK', `${relative} is a symbolic link; a bundle holds only plain files.`, {
        field: relative,
        hint: 'Someone changed this bundle after it was exported; export it again from the registry.',
      });
    }
    if (stats.isDirectory()) files.push(...listFiles(root, relative));
    else if (stats.isFile()) files.push(relative);
    else {
      throw new AirlockError('BUNDLE_FILE_UNLISTED', `${relative} is not a plain file.`, { field: relative, hint: 'A bundle holds only plain files and folders.' });
    }
  }
  return files;
}

/** The manifest entries of every file under `root` (manifest.json aside), each flushed to disk on the way when `sync`. */
export async function describeFiles(
  root: string,
  options: { sync?: boolean; onFile?: (path: string, index: number, count: number) => Promise<void> | void } = {},
): Promise<ManifestFile[]> {
  const paths = listFiles(root).filter((path) => path !== MANIFEST_NAME);
  const files: ManifestFile[] = [];
  for (const [index, path] of paths.entries()) {
    await options.onFile?.(path, index, paths.length);
    files.push({ path, ...(await hashFile(join(root, path), options)) });
  }
  return files;
}
