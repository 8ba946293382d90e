import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRemovableVolumes } from '../../electron/services/export/volumes.ts';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { mountTmpfs, unmount } from '../helpers/tmpfs.ts';

// A USB stick cannot be plugged into a test machine, so the kernel's view of one is built as files: a fake
// /sys/block tree (removable flags, partitions, device links through a USB bus) and a fake /proc/mounts whose
// mount points are real folders, so that their free space can still be read.

const dir = tempDir('airlock-volumes-');
afterAll(() => dir.cleanup());

/** One disk in the fake /sys/block: its removable flag, where its device link points, its partitions and slaves. */
function fakeDisk(sys: string, name: string, disk: { removable: 0 | 1; bus: string; partitions?: string[]; slaves?: string[] }): void {
  const folder = join(sys, 'block', name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'removable'), `${disk.removable}\n`);
  const device = join(sys, 'devices', disk.bus, name);
  mkdirSync(device, { recursive: true });
  symlinkSync(device, join(folder, 'device'));
  for (const partition of disk.partitions ?? []) {
    mkdirSync(join(folder, partition), { recursive: true });
    writeFileSync(join(folder, partition, 'partition'), '1\n');
  }
  for (const slave of disk.slaves ?? []) mkdirSync(join(folder, 'slaves', slave), { recursive: true });
}

function mountPoint(relative: string): string {
  const path = join(dir.path, 'mnt', relative);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('which mounts the export panel offers as removable drives', () => {
  const sys = join(dir.path, 'sys');
  const mounts = join(dir.path, 'proc-mounts');
  const SATA = 'pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0';
  const USB = 'pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0';
  fakeDisk(sys, 'sda', { removable: 0, bus: SATA, partitions: ['sda1', 'sda2'] }); // the built-in disk
  fakeDisk(sys, 'sdb', { removable: 1, bus: USB, partitions: ['sdb1', 'sdb2'] }); // a stick: removable flag set
  fakeDisk(sys, 'sdc', { removable: 0, bus: USB, partitions: ['sdc1'] }); // a USB hard disk: flag not set, attached through USB
  fakeDisk(sys, 'sdd', { removable: 1, bus: USB, partitions: ['sdd1'] }); // a stick mounted read-only
  fakeDisk(sys, 'dm-0', { removable: 0, bus: 'virtual/block', slaves: ['sdb2'] }); // the unlocked encrypted half of the stick
  const points = {
    tmpfs: mountPoint('scratch'),
    overlay: mountPoint('overlay'),
    internal: mountPoint('data'),
    stick: mountPoint('media/ana/STICK'),
    stickAgain: mountPoint('bind/STICK'),
    usbDisk: mountPoint('media/ana/Backup Disk'),
    readOnly: mountPoint('media/ana/RO'),
    encrypted: mountPoint('media/ana/Secret'),
  };
  writeFileSync(
    mounts,
    [
      `tmpfs ${points.tmpfs} tmpfs rw,nosuid,size=4k 0 0`,
      `overlay ${points.overlay} overlay rw,lowerdir=/a,upperdir=/b 0 0`,
      `/dev/sda2 ${points.internal} ext4 rw,relatime 0 0`,
      `/dev/sdb1 ${points.stick} vfat rw,nosuid,nodev,uid=1000 0 0`,
      `/dev/sdb1 ${points.stickAgain} vfat rw 0 0`,
      `/dev/sdc1 ${points.usbDisk.replace(' ', '\\040')} exfat rw 0 0`,
      `/dev/sdd1 ${points.readOnly} vfat ro,nosuid 0 0`,
      `/dev/dm-0 ${points.encrypted} ext4 rw 0 0`,
      `proc /proc proc rw 0 0`,
    ].join('\n') + '\n',
  );

  it('offers the vfat partition of a removable disk, a USB-attached disk and an encrypted stick; never a tmpfs, overlay, built-in or read-only mount', () => {
    const volumes = listRemovableVolumes({ mounts, sys });
    expect(volumes.map((volume) => volume.path)).toEqual([points.stick, points.usbDisk, points.encrypted]);
    expect(volumes[0]).toMatchObject({ device: '/dev/sdb1', fsType: 'vfat', removable: true });
    expect(volumes[0].totalBytes).toBeGreaterThan(0);
    expect(volumes[1]).toMatchObject({ device: '/dev/sdc1', fsType: 'exfat' });
  });

  it('offers nothing when the sysfs tree says no disk is removable', () => {
    const fixed = join(dir.path, 'sys-fixed');
    fakeDisk(fixed, 'sdb', { removable: 0, bus: SATA, partitions: ['sdb1', 'sdb2'] });
    fakeDisk(fixed, 'sdc', { removable: 0, bus: SATA, partitions: ['sdc1'] });
    expect(listRemovableVolumes({ mounts, sys: fixed })).toEqual([]);
  });
});

describe('on this machine', () => {
  // Where mounting is impossible (not root, no CAP_SYS_ADMIN) this reports as skipped, never as passed.
  it('does not offer a real 4 KB tmpfs mounted under /mnt (airlock export --volumes)', (context) => {
    const folder = join('/mnt', `airlock-test-${process.pid}`);
    const cannot = mountTmpfs(folder, '4k');
    if (cannot) {
      rmSync(folder, { recursive: true, force: true });
      context.skip(`cannot mount a tmpfs under /mnt (${cannot})`);
    }
    try {
      const listed = airlock(join(dir.path, 'home'), ['export', '--volumes', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.json.volumes.map((volume: { path: string }) => volume.path)).not.toContain(folder);
      expect(listed.json.volumes.every((volume: { fsType: string }) => volume.fsType !== 'tmpfs')).toBe(true);
    } finally {
      unmount(folder);
    }
  });
});

