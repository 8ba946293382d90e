import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

/** Mounts a size-limited tmpfs at `folder`; the reason it cannot when it cannot (not root, no CAP_SYS_ADMIN). */
export function mountTmpfs(folder: string, size: string): string | null {
  mkdirSync(folder, { recursive: true });
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder], { encoding: 'utf8' });
  return result.status === 0 ? null : (result.stderr || result.error?.message || `mount exited with ${result.status}`).trim();
}

/** Unmounts `folder` (if mounted) and removes it. */
export function unmount(folder: string): void {
  spawnSync('umount', [folder]);
  rmSync(folder, { recursive: true, force: true });
}
