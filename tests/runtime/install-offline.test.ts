import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InstalledRuntime } from '../../schemas/runtime.ts';
import { DEFAULT_MODEL_ID } from '../../schemas/config.ts';
import type { AirlockError } from '../../schemas/errors.ts';
import { createServices, type Services } from '../../electron/services/index.ts';
import { installRuntime, isolatedPipEnv, type InstallStage } from '../../electron/services/runtime/install.ts';
import { installedPython, installedRuntime, venvPython } from '../../electron/services/runtime/layout.ts';
import { runSelfCheck } from '../../electron/services/runtime/self-check.ts';
import { extractTar } from '../../electron/services/runtime/tar.ts';
import { pythonExecutable } from '../../electron/services/trainer/python.ts';
import { tempDir } from '../helpers/home.ts';
import { TSX, cachedPack, canGoOffline, resealPack } from '../helpers/runtime-pack.ts';

// The real thing: build the CPU pack (the one step that reads a package index), then install it into a fresh data
// folder with no network at all (`unshare -n`), which runs the self-check: `devices` and two training steps.
// The pack is built once per content of what goes into it and kept under /tmp (a second run installs only);
// measured on 2 shared cores: build about 2 minutes (pip's cache warm), offline install with self-check 2.5 to 3.5.

const home = tempDir('airlock-runtime-home-');
const work = tempDir('airlock-runtime-packs-');
let services: Services | undefined;
afterAll(() => {
  services?.close();
  home.cleanup();
  work.cleanup();
});

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

describe.skipIf(!canGoOffline)('runtime pack, installed with no network', () => {
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

  // The replacement guarantee, on the runtime installed above: a pack that fails at any step leaves it in use, and a
  // newer pack replaces it only after its self-check passed. The failing packs are small (a few wheels), so they fail
  // in seconds; only the newer pack is a second full install.
  const stagesSeen: { stage: InstallStage; current: string | undefined; folders: string[] }[] = [];
  const install = (archive: string) =>
    installRuntime(home.path, archive, services!.models, (stage) => {
      // Environments only: not the unpacked pack (.incoming-<pid>) nor the lock file.
      const folders = runtimeEntries().filter((name) => !name.startsWith('.') && name !== 'install.lock');
      if (stagesSeen.at(-1)?.stage !== stage) stagesSeen.push({ stage, current: installedRuntime(home.path)?.folder, folders });
    });
  /** Everything in the runtime folder but its pointer: after an install, exactly the runtime in use. */
  const runtimeEntries = () => readdirSync(join(home.path, 'runtime')).filter((name) => name !== 'current.json').sort();
  const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: AirlockError) => ({ code: error.code, message: error.message }));

  it('a tampered pack, and a pack whose self-check fails, leave the installed runtime in use, and it still trains', { timeout: 600_000 }, async () => {
    const before = installedRuntime(home.path);
    if (!before) throw new Error('Needs the runtime installed by the test above.');
    services = await createServices(home.path);
    const unpacked = join(work.path, 'unpacked');
    await extractTar(cachedPack().archive, unpacked);
    // Valid lock, valid wheels, sealed: but the lock holds PyYAML alone, so the environment builds and cannot train.
    const incomplete = await resealPack(unpacked, { ...before.runtime, version: `${before.runtime.version}-incomplete` }, work.path, (line) => /^pyyaml==/i.test(line));
    const tampered = join(work.path, 'tampered.tar');
    const bytes = readFileSync(incomplete);
    const at = bytes.indexOf('--hash=sha256:') + '--hash=sha256:'.length; // the lock's one hash, inside the archive
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(tampered, bytes);

    expect(await failure(install(tampered))).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', message: expect.stringContaining('requirements.lock') });
    expect(installedRuntime(home.path)).toEqual(before);
    expect(runtimeEntries()).toEqual([before.folder]);

    stagesSeen.length = 0;
    expect(await failure(install(incomplete))).toMatchObject({ code: 'RUNTIME_SELF_CHECK_FAILED' });
    // It got as far as the self-check, with its environment built beside the one in use, which stayed current.
    const selfCheck = stagesSeen.find((seen) => seen.stage === 'self-check');
    expect(selfCheck).toMatchObject({ current: before.folder });
    expect(selfCheck?.folders).toHaveLength(2);
    expect(installedRuntime(home.path)).toEqual(before);
    expect(runtimeEntries()).toEqual([before.folder]);
    const python = installedPython(home.path)!;
    const trained = await runSelfCheck(home.path, python, services.models.get(DEFAULT_MODEL_ID).path, join(work.path, 'still-trains'));
    expect(trained.steps).toBe(2);
  });

  it('a newer pack replaces the runtime in use only after its self-check passed, then removes the old one', { timeout: 1_500_000 }, async () => {
    const before = installedRuntime(home.path);
    if (!before || !services) throw new Error('Needs the runtime installed by the first test.');
    const [major, minor, patch] = before.runtime.version.split(/[.-]/).map(Number);
    const newer = await resealPack(join(work.path, 'unpacked'), { ...before.runtime, version: `${major}.${minor}.${patch + 1}` }, work.path);
    stagesSeen.length = 0;
    const started = Date.now();
    const record = await install(newer);
    console.info(`newer pack installed (in process) in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    expect(record.runtime.version).toBe(`${major}.${minor}.${patch + 1}`);
    expect(stagesSeen.map((seen) => seen.stage)).toEqual(['verify', 'python', 'environment', 'models', 'self-check', 'done']);
    // Until the self-check passed, the old runtime was current and both stood side by side.
    for (const seen of stagesSeen.filter((item) => item.stage !== 'done')) expect(seen.current).toBe(before.folder);
    expect(stagesSeen.find((seen) => seen.stage === 'self-check')?.folders).toEqual([before.folder, record.folder].sort());
    // Then the new one is current and the old one is gone.
    expect(installedRuntime(home.path)).toEqual(record);
    expect(runtimeEntries()).toEqual([record.folder]);
    expect(pythonExecutable({}, home.path)).toBe(venvPython(join(home.path, 'runtime', record.folder, 'venv')));
    expect(existsSync(join(home.path, 'models', DEFAULT_MODEL_ID, 'model.safetensors'))).toBe(true);
  });
});
