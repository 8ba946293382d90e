import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeInfo } from '../../schemas/runtime.ts';
import { describeFiles, hashFile, listFiles } from '../../electron/services/export/manifest.ts';
import { createServices } from '../../electron/services/index.ts';
import { installRuntime } from '../../electron/services/runtime/install.ts';
import { currentPlatform, installedRuntime, packBaseName, switchRuntime, venvPython } from '../../electron/services/runtime/layout.ts';
import { openPack, sealPack } from '../../electron/services/runtime/pack.ts';
import { writeTar } from '../../electron/services/runtime/tar.ts';
import { pythonExecutable } from '../../electron/services/trainer/python.ts';
import { tempDir } from '../helpers/home.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function scratch(): string {
  const dir = tempDir('airlock-runtime-');
  cleanups.push(dir.cleanup);
  return dir.path;
}

function info(overrides: Partial<RuntimeInfo> = {}): RuntimeInfo {
  return { version: '0.1.0', platform: currentPlatform(), python: '3.11', variant: 'cpu', torch: '2.13.0+cpu', lock: 'requirements.lock', wheels: 'wheels', models: 'models', ...overrides };
}

// Longer than ustar's 100-byte name field, as real wheel names are: stored with a pax path record.
const LONG_WHEEL = 'charset_normalizer-3.5.3-cp311-cp311-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl';

/** A small pack folder: a lock, one "wheel" and a model file. Real packs are built by build/pack-runtime.ts. */
function packFolder(root: string): string {
  const folder = join(root, 'content');
  mkdirSync(join(folder, 'wheels'), { recursive: true });
  mkdirSync(join(folder, 'models', 'all-minilm-l6-v2'), { recursive: true });
  writeFileSync(join(folder, 'wheels', 'demo-1.0-py3-none-any.whl'), 'not really a wheel, but bytes with a hash');
  writeFileSync(join(folder, 'wheels', LONG_WHEEL), 'a wheel with a long name');
  writeFileSync(join(folder, 'requirements.lock'), 'demo==1.0 --hash=sha256:00\n');
  writeFileSync(join(folder, 'models', 'all-minilm-l6-v2', 'config.json'), '{}');
  return folder;
}

async function sealed(root: string, overrides: Partial<RuntimeInfo> = {}) {
  const folder = packFolder(root);
  const out = join(root, 'out');
  mkdirSync(out);
  return { folder, ...(await sealPack(folder, info(overrides), out)) };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; field?: string };
  }
  throw new Error('expected a refusal');
}

describe('runtime pack', () => {
  it('seals a folder into <name>.tar with manifest.json written last, and opens it back verified', async () => {
    const root = scratch();
    const pack = await sealed(root);
    expect(pack.archive).toBe(join(root, 'out', `${packBaseName(info())}.tar`));
    expect(pack.archive).toMatch(/airlock-runtime-0\.1\.0-.+-py3\.11-cpu\.tar$/);
    const { manifest, sha256 } = await openPack(pack.archive, join(root, 'opened'));
    expect(sha256).toBe(pack.manifestSha256);
    expect(sha256).toBe((await hashFile(join(pack.folder, 'manifest.json'))).sha256);
    expect(manifest.files.map((file) => file.path)).toEqual(['models/all-minilm-l6-v2/config.json', 'requirements.lock', `wheels/${LONG_WHEEL}`, 'wheels/demo-1.0-py3-none-any.whl']);
    expect(listFiles(join(root, 'opened'))).toEqual([...manifest.files.map((file) => file.path), 'manifest.json'].sort());
    // GNU tar reads the archive too: an administrator can look inside with ordinary tools.
    const listed = spawnSync('tar', ['-tf', pack.archive], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`${packBaseName(info())}/wheels/demo-1.0-py3-none-any.whl\n`);
    expect(listed.stdout).toContain(`${packBaseName(info())}/wheels/${LONG_WHEEL}\n`);
  });

  it('refuses a pack whose file was changed after sealing (BUNDLE_FILE_CHANGED)', async () => {
    const root = scratch();
    const pack = await sealed(root);
    const bytes = readFileSync(pack.archive);
    const at = bytes.indexOf('not really a wheel');
    bytes[at] ^= 1; // one bit, same size: only the hash can tell
    writeFileSync(pack.archive, bytes);
    const error = await refusal(openPack(pack.archive, join(root, 'opened')));
    expect(error).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', field: 'wheels/demo-1.0-py3-none-any.whl' });
  });

  it('refuses a pack missing a listed file, or holding an unlisted one', async () => {
    const root = scratch();
    const pack = await sealed(root);
    const name = packBaseName(info());
    const all = listFiles(pack.folder);
    const missing = join(root, 'missing.tar');
    await writeTar(pack.folder, name, all.filter((path) => path !== 'requirements.lock'), missing);
    expect(await refusal(openPack(missing, join(root, 'a')))).toMatchObject({ code: 'BUNDLE_FILE_MISSING', field: 'requirements.lock' });
    writeFileSync(join(pack.folder, 'wheels', 'extra-6.6-py3-none-any.whl'), 'slipped in');
    const extra = join(root, 'extra.tar');
    await writeTar(pack.folder, name, listFiles(pack.folder), extra);
    expect(await refusal(openPack(extra, join(root, 'b')))).toMatchObject({ code: 'BUNDLE_FILE_UNLISTED', field: 'wheels/extra-6.6-py3-none-any.whl' });
  });

  it('refuses unsafe entries before writing them: a path climbing out, and a symbolic link', async () => {
    const root = scratch();
    const pack = await sealed(root);
    const climbing = join(root, 'climbing.tar');
    await writeTar(pack.folder, 'pack/../..', ['requirements.lock'], climbing);
    expect(await refusal(openPack(climbing, join(root, 'dest', 'a')))).toMatchObject({ code: 'BUNDLE_PATH_UNSAFE' });
    expect(existsSync(join(root, 'requirements.lock'))).toBe(false);
    // A link made by GNU tar, as a hostile pack would hold one.
    const linked = join(root, 'linked');
    mkdirSync(join(linked, 'pack'), { recursive: true });
    symlinkSync('/etc', join(linked, 'pack', 'wheels'));
    const linkTar = join(root, 'link.tar');
    expect(spawnSync('tar', ['-cf', linkTar, '-C', linked, 'pack']).status).toBe(0);
    expect(await refusal(openPack(linkTar, join(root, 'dest', 'b')))).toMatchObject({ code: 'BUNDLE_SYMLINK', field: 'pack/wheels' });
  });

  it('refuses a pack whose manifest was edited to match a changed file, because manifest.json is the fingerprint printed at build', async () => {
    const root = scratch();
    const pack = await sealed(root);
    writeFileSync(join(pack.folder, 'wheels', 'demo-1.0-py3-none-any.whl'), 'a different wheel');
    const manifest = JSON.parse(readFileSync(join(pack.folder, 'manifest.json'), 'utf8'));
    manifest.files = await describeFiles(pack.folder);
    writeFileSync(join(pack.folder, 'manifest.json'), JSON.stringify(manifest));
    const forged = join(root, 'forged.tar');
    await writeTar(pack.folder, packBaseName(info()), listFiles(pack.folder), forged);
    const { sha256 } = await openPack(forged, join(root, 'opened'));
    expect(sha256).not.toBe(pack.manifestSha256); // consistent inside, so only the out-of-band fingerprint catches it
  });
});

describe('runtime install refusals', () => {
  /** A data folder whose current runtime is a real (pip-less) environment, to show a failed install keeps it. */
  async function homeWithPrevious(root: string) {
    const home = join(root, 'home');
    const services = await createServices(home);
    cleanups.unshift(() => services.close());
    const venv = join(home, 'runtime', '0.0.9-cpu', 'venv');
    expect(spawnSync('python3', ['-m', 'venv', '--without-pip', venv]).status).toBe(0);
    const previous = { folder: '0.0.9-cpu', runtime: info({ version: '0.0.9' }), manifestSha256: 'f'.repeat(64), installedAt: '2026-01-01T00:00:00.000Z', pipArgs: [], selfCheck: { devices: 'cpu', steps: 2, seconds: 1 } };
    switchRuntime(home, previous);
    return { home, services, previous };
  }

  function unchanged(home: string, previous: object) {
    expect(installedRuntime(home)).toEqual(previous);
    expect(readdirSync(join(home, 'runtime')).sort()).toEqual(['0.0.9-cpu', 'current.json']);
    expect(pythonExecutable({}, home)).toBe(venvPython(join(home, 'runtime', '0.0.9-cpu', 'venv')));
  }

  it('refuses a tampered pack with its code, and keeps the previous runtime in use', async () => {
    const root = scratch();
    const { home, services, previous } = await homeWithPrevious(root);
    const pack = await sealed(root);
    const bytes = readFileSync(pack.archive);
    bytes[bytes.indexOf('demo==1.0')] = 'D'.charCodeAt(0);
    writeFileSync(pack.archive, bytes);
    expect(await refusal(installRuntime(home, pack.archive, services.models))).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', field: 'requirements.lock' });
    unchanged(home, previous);
  });

  it('says plainly which Python the pack needs and which one the workstation has', async () => {
    const root = scratch();
    const { home, services, previous } = await homeWithPrevious(root);
    const pack = await sealed(root, { python: '3.10' });
    const error = await refusal(installRuntime(home, pack.archive, services.models));
    expect(error.code).toBe('RUNTIME_PYTHON_MISMATCH');
    const have = spawnSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).stdout.trim();
    expect(error.message).toContain(`This runtime pack is built for Python 3.10, but here python3 is Python ${have}`);
    expect((error as { hint?: string }).hint).toContain('python3.10-venv');
    unchanged(home, previous);
  });

  it('refuses a pack built for another platform', async () => {
    const root = scratch();
    const { home, services, previous } = await homeWithPrevious(root);
    const pack = await sealed(root, { platform: 'win32-x86_64' });
    expect(await refusal(installRuntime(home, pack.archive, services.models))).toMatchObject({ code: 'RUNTIME_PLATFORM_MISMATCH' });
    unchanged(home, previous);
  });
});
