import { existsSync, readFileSync, readdirSync, realpathSync, statfsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Volume } from '../../../schemas/registry.ts';
import { DRIVE_FILE_SYSTEMS, SYSFS_ROOT, isRemovableDevice } from './removable.ts';

/** One line of /proc/mounts. */
export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  /** Mount options (`rw`, `ro`, `nosuid`, ...); empty where unknown. */
  options?: string[];
}

/** Where the kernel lists mounts; tests point it at a fake file. */
export const MOUNTS_FILE = '/proc/mounts';

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
    .map(([device, mountPoint, fsType, options]) => ({
      device: unescapeMount(device),
      mountPoint: unescapeMount(mountPoint),
      fsType,
      options: options ? options.split(',') : [],
    }));
}

/** The mount table of this machine (empty where there is no /proc/mounts). */
export function readMounts(file = MOUNTS_FILE): MountEntry[] {
  return existsSync(file) ? parseMounts(readFileSync(file, 'utf8')) : [];
}

/**
 * Whether a Linux mount is a writable removable drive: a drive file system (never tmpfs, proc, overlay...),
 * mounted read-write, from a device the kernel reports as removable or USB-attached. Where it is mounted does not
 * matter (a 4 KB tmpfs under /mnt is not a drive; a stick mounted in the home folder is). The system's own
 * mounts are left out even when the system runs from a stick.
 */
export function isRemovableMount(mount: MountEntry, sys = SYSFS_ROOT): boolean {
  if (!DRIVE_FILE_SYSTEMS.has(mount.fsType) || mount.options?.includes('ro')) return false;
  if (mount.mountPoint === '/' || mount.mountPoint === '/boot' || mount.mountPoint.startsWith('/boot/')) return false;
  return isRemovableDevice(mount.device, sys);
}

/** Attached drives on macOS (/Volumes) and Windows (drive letters other than the system's). */
function otherPlatformCandidates(): MountEntry[] {
  if (process.platform === 'darwin') {
    if (!existsSync('/Volumes')) return [];
    return readdirSync('/Volumes')
      .map((name) => ({ device: name, mountPoint: join('/Volumes', name), fsType: 'unknown' }))
      .filter((entry) => realpathSync(entry.mountPoint) !== '/'); // the start-up disk appears there as a link to /
  }
  const system = (process.env.SystemDrive ?? 'C:').toUpperCase();
  return [...'DEFGHIJKLMNOPQRSTUVWXYZ']
    .map((letter) => `${letter}:\\`)
    .filter((drive) => !drive.startsWith(system) && existsSync(drive))
    .map((drive) => ({ device: drive, mountPoint: drive, fsType: 'unknown' }));
}

/** Where a Linux machine describes its mounts and block devices; both replaceable for tests. */
export interface SystemRoots {
  mounts: string;
  sys: string;
}

/** Removable drives on Linux, one entry per device (a drive bind-mounted twice is offered once). */
export function removableMounts(roots: SystemRoots = { mounts: MOUNTS_FILE, sys: SYSFS_ROOT }): MountEntry[] {
  const seen = new Set<string>();
  return readMounts(roots.mounts).filter((mount) => {
    if (seen.has(mount.device) || !isRemovableMount(mount, roots.sys)) return false;
    seen.add(mount.device);
    return true;
  });
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
 * Candidate export targets: on Linux the removable drives the kernel reports (see isRemovableMount); on macOS the
 * volumes in /Volumes; on Windows the drive letters other than the system drive. `roots` replaces /proc/mounts and /sys.
 */
export function listRemovableVolumes(roots?: SystemRoots): Volume[] {
  const volumes: Volume[] = [];
  const linux = roots !== undefined || (process.platform !== 'darwin' && process.platform !== 'win32');
  for (const mount of linux ? removableMounts(roots) : otherPlatformCandidates()) {
    try {
      const { free, total } = freeBytes(mount.mountPoint);
      volumes.push({ path: mount.mountPoint, device: mount.device, fsType: mount.fsType, totalBytes: total, freeBytes: free, removable: true });
    } catch {
      // unreadable (unplugged since, no permission): not offered
    }
  }
  return volumes;
}
