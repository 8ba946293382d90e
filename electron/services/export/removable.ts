import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Where the kernel describes block devices; tests point it at a fake tree, since a real USB stick cannot be plugged in. */
export const SYSFS_ROOT = '/sys';

/**
 * File systems a drive carried between machines is formatted with. Anything else (tmpfs, proc, overlay, squashfs,
 * network and FUSE file systems other than fuseblk) is never a drive, wherever it is mounted.
 */
export const DRIVE_FILE_SYSTEMS = new Set([
  'vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'fuseblk', 'ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'f2fs', 'hfsplus', 'apfs', 'udf',
]);

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** The kernel name of a mount's device (`sdb1`), following /dev/disk/by-* and /dev/mapper links; null when not a /dev node. */
export function kernelName(device: string): string | null {
  if (!device.startsWith('/dev/')) return null;
  return basename(realpathOrNull(device) ?? device);
}

/** The whole disk holding block device `name`: itself when it is a disk, else the disk whose folder lists it as a partition. */
export function diskOf(name: string, sys = SYSFS_ROOT): string | null {
  const blocks = join(sys, 'block');
  if (existsSync(join(blocks, name))) return name;
  if (!existsSync(blocks)) return null;
  return readdirSync(blocks).find((disk) => existsSync(join(blocks, disk, name, 'partition'))) ?? null;
}

/**
 * Whether a disk is removable media: the kernel's removable flag (card readers, most USB sticks), or a device
 * attached through USB (USB hard disks and many sticks report removable 0), or, for a device-mapper disk such as
 * an unlocked encrypted stick, a removable disk underneath it.
 */
export function isRemovableDisk(disk: string, sys = SYSFS_ROOT, depth = 0): boolean {
  const folder = join(sys, 'block', disk);
  if (readTrimmed(join(folder, 'removable')) === '1') return true;
  // Only the part below the sysfs root counts, so that a test's temporary folder name cannot match.
  const root = realpathOrNull(sys) ?? sys;
  const device = realpathOrNull(join(folder, 'device')) ?? realpathOrNull(folder);
  if (device?.startsWith(root) && /\/usb\d*\//.test(device.slice(root.length) + '/')) return true;
  const slaves = join(folder, 'slaves');
  if (depth < 4 && existsSync(slaves)) {
    return readdirSync(slaves).some((slave) => {
      const parent = diskOf(slave, sys);
      return parent !== null && isRemovableDisk(parent, sys, depth + 1);
    });
  }
  return false;
}

/** Whether a /dev node (as /proc/mounts names it) is, or is a partition of, removable media. */
export function isRemovableDevice(device: string, sys = SYSFS_ROOT): boolean {
  const name = kernelName(device);
  const disk = name ? diskOf(name, sys) : null;
  return disk !== null && isRemovableDisk(disk, sys);
}
