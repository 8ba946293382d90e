import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { InstalledRuntime } from '../../../schemas/runtime.ts';
import type { ModelCache } from '../models/cache.ts';
import { DEFAULT_MODEL_ID } from '../../../schemas/config.ts';
import { currentPlatform, installedRuntime, runtimeRoot, switchRuntime, venvPython } from './layout.ts';
import { folderInUse, lockInstall } from './install-lock.ts';
import { openPack } from './pack.ts';
import { findSystemPython } from './python-check.ts';
import { runSelfCheck } from './self-check.ts';

/** The steps of an install, in order. */
export const INSTALL_STAGES = ['verify', 'python', 'environment', 'models', 'self-check', 'done'] as const;
export type InstallStage = (typeof INSTALL_STAGES)[number];

/** Progress for people: the stage, a line about it, and how far the stage is (0 to 1) when that is known. */
export type InstallProgress = (stage: InstallStage, message: string, fraction?: number) => void;

/**
 * pip's environment for an offline install: none of the workstation's pip configuration (PIP_* variables, pip.conf
 * with its index URLs, find-links or constraints), no user site: what gets installed comes from the pack alone.
 */
export function isolatedPipEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!key.startsWith('PIP_') && !key.startsWith('PYTHON')) clean[key] = value;
  return { ...clean, PIP_CONFIG_FILE: devNull, PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONNOUSERSITE: '1' };
}

/** The pip command line that installs a pack's lock: no index, the pack's wheels only, every hash required. */
export function pipInstallArgs(wheels: string, lock: string): string[] {
  return ['-m', 'pip', 'install', '--no-index', '--find-links', wheels, '--require-hashes', '--only-binary', ':all:', '--no-cache-dir', '--progress-bar', 'off', '-r', lock];
}

/** Runs a command, passing each output line to `onLine`; fails with RUNTIME_INSTALL_FAILED and the output's tail. */
function runStep(command: string, args: string[], env: NodeJS.ProcessEnv, what: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const take = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter((text) => text.trim())) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => reject(new AirlockError('RUNTIME_INSTALL_FAILED', `Could not start ${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      if (partial.trim()) tail.push(partial);
      reject(new AirlockError('RUNTIME_INSTALL_FAILED', `${what} failed (exit ${code}).`, { hint: 'The previous runtime (if any) stays in use. The last lines of the output are below.', details: tail.slice(-10) }));
    });
  });
}

/**
 * Removes what a killed install left in the runtime folder: unpacked packs and environments that never became
 * current. Only under the install lock, so no other install is building one of them. When current.json exists but
 * cannot be read, only the unpacked packs go: that folder may still be the one someone wants back.
 */
function removeLeftovers(home: string): void {
  const root = runtimeRoot(home);
  const current = installedRuntime(home);
  const readable = current !== null || !existsSync(join(root, 'current.json'));
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current?.folder || folderInUse(join(root, entry.name))) continue;
    if (entry.name.startsWith('.incoming-') || readable) rmSync(join(root, entry.name), { recursive: true, force: true });
  }
}

/** A folder name for the new runtime that no installed runtime uses: <version>-<variant>, then -2, -3… */
function freshFolder(root: string, base: string): string {
  let name = base;
  for (let index = 2; existsSync(join(root, name)); index++) name = `${base}-${index}`;
  return name;
}

/**
 * Installs a runtime pack into the data folder `home`: verify the pack, check Python, build the environment
 * offline, seed the model cache, self-check; only then point the data folder at it (one rename) and remove the
 * runtime it replaces. A failure at any step leaves the previous runtime in use and removes what it built.
 */
export async function installRuntime(home: string, archive: string, models: ModelCache, progress: InstallProgress = () => {}): Promise<InstalledRuntime> {
  const root = runtimeRoot(home);
  mkdirSync(root, { recursive: true });
  const release = lockInstall(root);
  const incoming = join(root, `.incoming-${process.pid}`);
  let target: string | null = null;
  try {
    removeLeftovers(home);
    progress('verify', `Unpacking and checking ${archive} against its manifest…`);
    let shown = -1;
    const { manifest, sha256 } = await openPack(archive, incoming, (done, total) => {
      const percent = Math.floor((done / total) * 10) * 10;
      if (percent === shown) return;
      shown = percent;
      progress('verify', percent === 100 ? 'unpacked 100%; checking every file against its SHA-256…' : `unpacked ${percent}%`, done / total);
    });
    const { runtime } = manifest;
    progress('verify', `The pack matches its manifest (manifest SHA-256 ${sha256}).`);
    if (runtime.platform !== currentPlatform()) {
      throw new AirlockError('RUNTIME_PLATFORM_MISMATCH', `This runtime pack is built for ${runtime.platform}; this workstation is ${currentPlatform()}.`, {
        hint: `Use the runtime pack built for ${currentPlatform()}.`,
      });
    }
    progress('python', `Looking for Python ${runtime.python}…`);
    const system = findSystemPython(runtime.python);
    progress('python', `Using ${system.command} (Python ${system.version}).`);
    const folder = freshFolder(root, `${runtime.version}-${runtime.variant}`);
    target = join(root, folder);
    mkdirSync(target);
    const venv = join(target, 'venv');
    const env = isolatedPipEnv();
    progress('environment', `Creating the environment in ${venv}…`);
    await runStep(system.command, ['-m', 'venv', venv], env, 'Creating the Python environment', (line) => progress('environment', line));
    copyFileSync(join(incoming, runtime.lock), join(target, 'requirements.lock'));
    const pipArgs = pipInstallArgs(join(incoming, runtime.wheels), join(target, 'requirements.lock'));
    progress('environment', `Installing the locked packages from the pack (pip ${pipArgs.slice(2).join(' ')})…`);
    const python = venvPython(venv);
    const total = readFileSync(join(target, 'requirements.lock'), 'utf8').split('\n').filter((line) => /^[^#\s]/.test(line)).length;
    let checked = 0;
    await runStep(python, pipArgs, env, 'Installing the packages from the pack', (line) => {
      // pip names every wheel it checks: one short line per package instead of its long paths.
      const wheel = /^Processing .*[\\/]([^\\/]+\.whl)/.exec(line)?.[1];
      if (wheel) progress('environment', `checked ${++checked}/${total}: ${wheel}`, Math.min(1, checked / total));
      else progress('environment', line.length > 300 ? `${line.slice(0, 300)}…` : line);
    });
    progress('models', 'Seeding the model cache from the pack…');
    renameSync(join(incoming, runtime.models), join(target, 'models')); // kept: the cache's hard links name it as their source
    await models.seedDefault(join(target, 'models'));
    progress('self-check', 'Self-check: devices, then two training steps…');
    const selfCheck = await runSelfCheck(home, python, models.get(DEFAULT_MODEL_ID).path, join(target, 'self-check'));
    progress('self-check', `${selfCheck.devices}; trained ${selfCheck.steps} steps in ${selfCheck.seconds.toFixed(1)} s.`);
    const record: InstalledRuntime = { folder, runtime, manifestSha256: sha256, installedAt: new Date().toISOString(), pipArgs: [python, ...pipArgs], selfCheck };
    writeFileSync(join(target, 'install.json'), `${JSON.stringify(record, null, 2)}\n`);
    const previous = installedRuntime(home);
    switchRuntime(home, record);
    target = null; // in use now: never removed below
    // The new runtime is in use from here: failing to remove the old one must not report the install as failed, and
    // a run or prediction worker still running on it keeps it (the next install removes it as a leftover).
    if (previous && previous.folder !== folder) {
      const old = join(root, previous.folder);
      try {
        if (folderInUse(old)) progress('done', `The previous runtime ${previous.folder} is kept while a process started from it runs; the next install removes it.`);
        else rmSync(old, { recursive: true, force: true, maxRetries: 2 });
      } catch (error) {
        progress('done', `The previous runtime's folder ${previous.folder} could not be removed yet (${(error as Error).message}); the next install removes it.`);
      }
    }
    progress('done', `Runtime ${runtime.version} (${runtime.variant}, torch ${runtime.torch}) installed in ${join(root, folder)}.`);
    return record;
  } finally {
    rmSync(incoming, { recursive: true, force: true });
    if (target) rmSync(target, { recursive: true, force: true });
    release();
  }
}
