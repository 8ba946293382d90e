import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ManifestFile } from '../../../schemas/registry.ts';

/** The bundle's own files that manifest.json does not list: itself. */
export const MANIFEST_NAME = 'manifest.json';
const CHUNK = 1024 * 1024;

/** SHA-256 and size of a file, read in chunks; with `sync`, the file is also flushed to its device. */
export function hashFile(path: string, options: { sync?: boolean } = {}): { size: number; sha256: string } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, options.sync ? 'r+' : 'r');
  let size = 0;
  try {
    for (let read = readSync(fd, buffer, 0, CHUNK, null); read > 0; read = readSync(fd, buffer, 0, CHUNK, null)) {
      hash.update(buffer.subarray(0, read));
      size += read;
    }
    if (options.sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
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
export function describeFiles(root: string, options: { sync?: boolean; onFile?: (path: string, index: number, count: number) => void } = {}): ManifestFile[] {
  const paths = listFiles(root).filter((path) => path !== MANIFEST_NAME);
  return paths.map((path, index) => {
    options.onFile?.(path, index, paths.length);
    return { path, ...hashFile(join(root, path), options) };
  });
}
