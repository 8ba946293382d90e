import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InstalledRuntime } from '../../schemas/runtime.ts';
import { isolatedPipEnv } from '../../electron/services/runtime/install.ts';
import { venvPython } from '../../electron/services/runtime/layout.ts';
import { pythonExecutable } from '../../electron/services/trainer/python.ts';
import { tempDir } from '../helpers/home.ts';

// The real thing: build the CPU pack (the one step that reads a package index), then install it into a fresh data
// folder with no network at all (`unshare -n`), which runs the self-check: `devices` and two training steps.
// The pack is built once per content of what goes into it and kept under /tmp (a second run installs only);
// measured on 2 shared cores: build about 2 minutes (pip's cache warm), offline install with self-check 2.5 to 3.5.

const TSX = join('node_modules', '.bin', 'tsx');
const offline = spawnSync('unshare', ['-n', 'true']).status === 0;
const home = tempDir('airlock-runtime-home-');
afterAll(() => home.cleanup());

/** The pack for this checkout's lock inputs, built on first use. */
function cachedPack(): { archive: string; buildSeconds: number | null } {
  const hash = createHash('sha256');
  for (const file of ['trainer/requirements.txt', 'build/pack-runtime.ts', 'electron/services/runtime/pack.ts', 'electron/services/runtime/tar.ts', 'package.json']) hash.update(readFileSync(file));
  // AIRLOCK_RUNTIME_PACK_CACHE: a folder CI keeps between runs, to skip the build (about 2 minutes) when nothing changed.
  const folder = join(process.env.AIRLOCK_RUNTIME_PACK_CACHE ?? tmpdir(), `airlock-runtime-pack-${hash.digest('hex').slice(0, 16)}`);
  const find = () => (existsSync(folder) ? readdirSync(folder).find((name) => name.endsWith('.tar')) : undefined);
  let found = find();
  let buildSeconds: number | null = null;
  if (!found) {
    const staging = `${folder}.${process.pid}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const started = Date.now();
    const built = spawnSync(TSX, ['build/pack-runtime.ts', '--out', staging], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`pack:runtime failed:\n${built.stderr.slice(-3000)}`);
    buildSeconds = (Date.now() - started) / 1000;
    try {
      renameSync(staging, folder);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another worker won the race
    }
    found = find();
  }
  return { archive: join(folder, found as string), buildSeconds };
}

/** The airlock CLI with no network: a fresh network namespace holding only a loopback that is down. */
function offlineCli(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_HOME: home.path, OMP_NUM_THREADS: '1' };
  delete env.AIRLOCK_PYTHON;
  return spawnSync('unshare', ['-n', TSX, 'electron/cli/main.ts', ...args, '--json'], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
}

/** name==version with pip's normalized names. */
function normalize(name: string, version: string): string {
  return `${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version}`;
}

describe.skipIf(!offline)('runtime pack, installed with no network', () => {
  it('builds, installs offline from the pack alone, self-checks (devices + 2 training steps), and the trainer uses it', { timeout: 1_500_000 }, () => {
    const { archive, buildSeconds } = cachedPack();
    const started = Date.now();
    const installed = offlineCli(['runtime', 'install', archive]);
    const installSeconds = (Date.now() - started) / 1000;
    expect(installed.status, installed.stderr.slice(-4000)).toBe(0);
    console.info(`runtime pack ${archive}: ${(readFileSync(archive).length / 1e6).toFixed(0)} MB; built in ${buildSeconds === null ? '(cached)' : `${buildSeconds.toFixed(0)} s`}; installed offline in ${installSeconds.toFixed(0)} s`);
    console.info(installed.stderr.split('\n').filter((line) => line.startsWith('[self-check]') || line.startsWith('[verify] The pack')).join('\n'));

    const record = InstalledRuntime.parse(JSON.parse(installed.stdout).runtime);
    expect(record.runtime).toMatchObject({ variant: 'cpu', python: '3.11', torch: '2.13.0+cpu' });
    expect(record.selfCheck.steps).toBe(2);
    expect(record.selfCheck.devices).toContain('torch 2.13.0+cpu; CPU only');
    // pip saw no index and no configuration: only the pack's wheels, each against the lock's hash.
    expect(record.pipArgs).toEqual(expect.arrayContaining(['--no-index', '--require-hashes', '--only-binary', ':all:']));
    const findLinks = record.pipArgs[record.pipArgs.indexOf('--find-links') + 1];
    expect(findLinks.startsWith(join(home.path, 'runtime', '.incoming-'))).toBe(true);

    // The environment holds exactly the lock's packages (and the pip that venv bootstraps), nothing from the system.
    const folder = join(home.path, 'runtime', record.folder);
    const python = venvPython(join(folder, 'venv'));
    expect(readFileSync(join(folder, 'venv', 'pyvenv.cfg'), 'utf8')).toMatch(/include-system-site-packages = false/);
    const lock = readFileSync(join(folder, 'requirements.lock'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lock.every((line) => /^\S+==\S+ --hash=sha256:[0-9a-f]{64}$/.test(line))).toBe(true);
    const listed = spawnSync(python, ['-m', 'pip', 'list', '--format', 'json'], { encoding: 'utf8', env: isolatedPipEnv() });
    const packages = (JSON.parse(listed.stdout) as { name: string; version: string }[]).filter((item) => item.name !== 'pip');
    expect(packages.map((item) => normalize(item.name, item.version)).sort()).toEqual(lock.map((line) => normalize(...(line.split(' ')[0].split('==') as [string, string]))).sort());
    const torchFile = spawnSync(python, ['-c', 'import torch; print(torch.__file__)'], { encoding: 'utf8', env: { PATH: process.env.PATH } }).stdout.trim();
    expect(torchFile.startsWith(join(folder, 'venv'))).toBe(true);

    // The pack's wheels are gone once installed; the default model came from the pack into the cache.
    expect(readdirSync(join(home.path, 'runtime')).sort()).toEqual([record.folder, 'current.json'].sort());
    expect(existsSync(join(home.path, 'models', 'all-minilm-l6-v2', 'model.safetensors'))).toBe(true);

    // Every trainer command in this data folder now runs the installed runtime.
    expect(pythonExecutable({}, home.path)).toBe(python);
    const status = offlineCli(['runtime', 'status']);
    expect(status.status, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout);
    expect(shown.python).toBe(python);
    expect(shown.devices).toMatchObject({ torch_version: '2.13.0+cpu', cuda_version: null, cuda_available: false });
  });
});
