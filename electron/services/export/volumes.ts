import { existsSync, readFileSync, readdirSync, realpathSync, statfsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Volume } from '../../../schemas/registry.ts';

/** One line of /proc/mounts. */
export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** Where Linux desktops and administrators mount removable media. */
const REMOVABLE_ROOTS = ['/media/', '/run/media/', '/mnt/'];

// /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...).
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/mounts text. */
export function parseMounts(text: string): MountEntry[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([device, mountPoint, fsType]) => ({ device: unescapeMount(device), mountPoint: unescapeMount(mountPoint), fsType }));
}

/** Attached drives on this system: removable mounts on Linux, /Volumes on macOS, drive letters on Windows. */
function platformCandidates(): MountEntry[] {
  if (process.platform === 'darwin') {
    if (!existsSync('/Volumes')) return [];
    return readdirSync('/Volumes')
      .map((name) => ({ device: name, mountPoint: join('/Volumes', name), fsType: 'unknown' }))
      .filter((entry) => realpathSync(entry.mountPoint) !== '/'); // the start-up disk appears there as a link to /
  }
  if (process.platform === 'win32') {
    const system = (process.env.SystemDrive ?? 'C:').toUpperCase();
    return [...'DEFGHIJKLMNOPQRSTUVWXYZ']
      .map((letter) => `${letter}:\\`)
      .filter((drive) => !drive.startsWith(system) && existsSync(drive))
      .map((drive) => ({ device: drive, mountPoint: drive, fsType: 'unknown' }));
  }
  return readMounts().filter(isRemovableMount);
}

/** Whether a Linux mount is where removable media appear. */
export function isRemovableMount(mount: MountEntry): boolean {
  return REMOVABLE_ROOTS.some((root) => mount.mountPoint.startsWith(root));
}

/** The mount table of this machine (empty where there is no /proc/mounts). */
export function readMounts(): MountEntry[] {
  return existsSync('/proc/mounts') ? parseMounts(readFileSync('/proc/mounts', 'utf8')) : [];
}

/** The mount holding `path`: the longest mount point that is a prefix of its real path. */
export function mountOf(path: string, mounts: MountEntry[]): MountEntry | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    real = resolve(path);
  }
  let best: MountEntry | null = null;
  for (const mount of mounts) {
    const inside = real === mount.mountPoint || real.startsWith(mount.mountPoint.endsWith(sep) ? mount.mountPoint : mount.mountPoint + sep);
    if (inside && (!best || mount.mountPoint.length >= best.mountPoint.length)) best = mount;
  }
  return best;
}

/** Bytes an unprivileged writer may still use on the file system holding `path`. */
export function freeBytes(path: string): { free: number; total: number } {
  const stats = statfsSync(path);
  return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
}

/**
 * Candidate export targets: on Linux the mounts under /media, /run/media and /mnt (where a USB drive or external
 * disk appears); on macOS the volumes in /Volumes; on Windows the drive letters other than the system drive.
 */
export function listRemovableVolumes(mounts?: MountEntry[]): Volume[] {
  const volumes: Volume[] = [];
  for (const mount of mounts ? mounts.filter(isRemovableMount) : platformCandidates()) {
    try {
      const { free, total } = freeBytes(mount.mountPoint);
      volumes.push({ path: mount.mountPoint, device: mount.device, fsType: mount.fsType, totalBytes: total, freeBytes: free, removable: true });
    } catch {
      // unreadable (a stale network mount, no permission): not offered
    }
  }
  return volumes;
}
