import { copyFileSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Copies a folder tree, following symlinks (HF cache snapshots are symlinks into blobs/). Hidden entries are skipped. */
export function copyTree(source: string, target: string, options: { hardLink?: boolean } = {}): void {
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    if (name.startsWith('.')) continue;
    const from = join(source, name);
    const to = join(target, name);
    const stats = statSync(from); // statSync follows symlinks
    if (stats.isDirectory()) {
      copyTree(from, to, options);
    } else if (stats.isFile()) {
      if (options.hardLink) {
        try {
          linkSync(from, to);
          continue;
        } catch {
          // a different file system or no permission: fall back to a copy
        }
      }
      copyFileSync(from, to);
    }
  }
}

/** A fresh, unique folder name inside `parent` for work that is renamed into place when complete. */
export function stagingPath(parent: string, prefix: string): string {
  return join(parent, `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Runs `work` on a staging folder and moves it to `target` only if it succeeds; nothing half-written is left. */
export async function writeAtomically<T>(staging: string, target: string, work: (staging: string) => Promise<T> | T): Promise<T> {
  mkdirSync(staging, { recursive: true });
  try {
    const result = await work(staging);
    renameSync(staging, target);
    return result;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Lowercase, dash-separated identifier made from a free-form name. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return slug || 'item';
}
