import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/home.ts';
import { AirlockError } from '../../schemas/errors.ts';
import type { BundleManifest } from '../../schemas/registry.ts';
import { describeFiles, MANIFEST_NAME } from '../../electron/services/export/manifest.ts';
import { isSafeRelativePath, verifyBundle } from '../../electron/services/export/verify.ts';
import { FAT32_MAX_FILE_BYTES, bundleBytesNeeded, checkExportFits } from '../../electron/services/export/space.ts';
import { mountOf, parseMounts } from '../../electron/services/export/volumes.ts';

/** A small bundle-shaped folder with a manifest written the way the exporter writes it. */
async function writeBundle(folder: string): Promise<void> {
  mkdirSync(join(folder, 'model'), { recursive: true });
  writeFileSync(join(folder, 'MLmodel'), 'flavors: {}\n');
  writeFileSync(join(folder, 'model', 'model.safetensors'), Buffer.alloc(4096, 7));
  writeFileSync(join(folder, 'README.md'), '# model\n');
  const manifest: BundleManifest = {
    format: 'airlock-bundle',
    formatVersion: 1,
    model: { name: 'm', version: 1, runId: 'r', stage: 'none' },
    createdAt: new Date().toISOString(),
    files: await describeFiles(folder),
  };
  writeFileSync(join(folder, MANIFEST_NAME), JSON.stringify(manifest));
}

async function refusal(folder: string): Promise<{ code: string; field?: string; message: string }> {
  try {
    await verifyBundle(folder);
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    const airlock = error as AirlockError;
    return { code: airlock.code, field: airlock.field, message: airlock.message };
  }
  throw new Error('the bundle was accepted');
}

function editManifest(folder: string, edit: (manifest: BundleManifest) => void): void {
  const manifest = JSON.parse(readFileSync(join(folder, MANIFEST_NAME), 'utf8')) as BundleManifest;
  edit(manifest);
  writeFileSync(join(folder, MANIFEST_NAME), JSON.stringify(manifest));
}

describe('bundle verification', () => {
  let dir: { path: string; cleanup: () => void };
  let bundle: string;
  beforeEach(async () => {
    dir = tempDir();
    bundle = join(dir.path, 'm-v1');
    await writeBundle(bundle);
  });
  afterEach(() => dir.cleanup());

  it('accepts an untouched bundle and counts its files and bytes', async () => {
    const verified = await verifyBundle(bundle);
    expect(verified.files).toBe(3);
    expect(verified.bytes).toBe(4096 + 'flavors: {}\n'.length + '# model\n'.length);
    expect(verified.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a flipped byte, naming the file', async () => {
    const weights = join(bundle, 'model', 'model.safetensors');
    const bytes = readFileSync(weights);
    bytes[100] ^= 0x01;
    writeFileSync(weights, bytes);
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', field: 'model/model.safetensors' });
  });

  it('refuses a file whose size changed', async () => {
    appendFileSync(join(bundle, 'README.md'), 'more');
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', field: 'README.md' });
  });

  it('refuses a missing file', async () => {
    rmSync(join(bundle, 'MLmodel'));
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_FILE_MISSING', field: 'MLmodel' });
  });

  it('refuses an extra file', async () => {
    writeFileSync(join(bundle, 'model', 'extra.py'), 'import os');
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_FILE_UNLISTED', field: 'model/extra.py' });
  });

  it('refuses a ../ entry and an absolute entry in the manifest', async () => {
    editManifest(bundle, (manifest) => manifest.files.push({ path: '../outside.txt', size: 1, sha256: '0'.repeat(64) }));
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_PATH_UNSAFE', field: '../outside.txt' });
    await writeBundle(bundle);
    editManifest(bundle, (manifest) => (manifest.files[0].path = '/etc/passwd'));
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_PATH_UNSAFE', field: '/etc/passwd' });
  });

  it('refuses a symlink, even one the manifest lists with the right hash', async () => {
    const target = join(dir.path, 'outside.md');
    writeFileSync(target, '# model\n');
    rmSync(join(bundle, 'README.md'));
    symlinkSync(target, join(bundle, 'README.md'));
    expect(await refusal(bundle)).toMatchObject({ code: 'BUNDLE_SYMLINK', field: 'README.md' });
  });

  it('refuses a folder without a manifest, or with a broken one', async () => {
    writeFileSync(join(bundle, MANIFEST_NAME), '{"format": "something else"}');
    expect((await refusal(bundle)).code).toBe('BUNDLE_MANIFEST_INVALID');
    rmSync(join(bundle, MANIFEST_NAME));
    expect((await refusal(bundle)).code).toBe('BUNDLE_MANIFEST_MISSING');
  });

  it('tells safe relative paths from unsafe ones', async () => {
    for (const safe of ['MLmodel', 'model/model.safetensors', 'a.b/c..d']) expect(isSafeRelativePath(safe), safe).toBe(true);
    for (const unsafe of ['', '/abs', '../x', 'a/../b', './a', 'a//b', 'a\\b', 'C:/x', 'a/']) expect(isSafeRelativePath(unsafe), unsafe).toBe(false);
  });
});

describe('export space and file system checks', () => {
  const plan = { target: '/media/usb', freeBytes: 10 * 1024 ** 3, fsType: 'vfat' };

  it('refuses a file over 4 GiB on FAT32 before writing, and allows it elsewhere', async () => {
    const big = [FAT32_MAX_FILE_BYTES + 1, 1000];
    expect(() => checkExportFits({ ...plan, fileSizes: big })).toThrow(expect.objectContaining({ code: 'EXPORT_FILE_TOO_LARGE_FOR_FAT32' }));
    expect(() => checkExportFits({ ...plan, fileSizes: [FAT32_MAX_FILE_BYTES] })).not.toThrow();
    expect(() => checkExportFits({ ...plan, fsType: 'exfat', fileSizes: big })).not.toThrow();
  });

  it('refuses a bundle that does not fit in the free space', async () => {
    const sizes = [5 * 1024 ** 2, 300];
    expect(bundleBytesNeeded(sizes)).toBeGreaterThan(5 * 1024 ** 2);
    expect(() => checkExportFits({ ...plan, fsType: 'ext4', fileSizes: sizes, freeBytes: 5 * 1024 ** 2 })).toThrow(expect.objectContaining({ code: 'EXPORT_NO_SPACE' }));
    expect(() => checkExportFits({ ...plan, fsType: 'ext4', fileSizes: sizes, freeBytes: 6 * 1024 ** 2 })).not.toThrow();
  });

  it('reads the mount table: the file system holding a path, with escaped spaces in mount points', async () => {
    const mounts = parseMounts(['/dev/sda1 / ext4 rw 0 0', '/dev/sdb1 /media/ana/MY\\040USB vfat rw 0 0', '/dev/sdc1 /run/media/bo/disk exfat rw 0 0', 'proc /proc proc rw 0 0'].join('\n'));
    expect(mounts[1].mountPoint).toBe('/media/ana/MY USB');
    expect(mountOf('/media/ana/MY USB/models', mounts)?.fsType).toBe('vfat');
    expect(mountOf('/media/ana/MY USBX', mounts)?.fsType).toBe('ext4');
    expect(mounts[1].options).toEqual(['rw']);
  });
});
