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

/** Whether a process with this id is running (one we may not signal counts as running). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the staging folders (named by {@link stagingPath}) of processes that ended without
 * cleaning up, such as an import that was killed. Folders of running processes are kept; a folder
 * with this process's own id is stale only if it is older than this process (the id was reused).
 */
export function removeStaleStaging(parent: string, isAlive: (pid: number) => boolean = isProcessAlive): string[] {
  const startedAt = Date.now() - process.uptime() * 1000;
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const pid = Number(/^[a-z]+-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!pid) continue;
    const path = join(parent, name);
    const stale = pid === process.pid ? statSync(path).mtimeMs < startedAt : !isAlive(pid);
    if (!stale) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
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
