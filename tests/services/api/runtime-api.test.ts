import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notice } from '../../../schemas/api.ts';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';
import { folderInUse, lockInstall } from '../../../electron/services/runtime/install-lock.ts';
import { runtimeRoot } from '../../../electron/services/runtime/layout.ts';
import { runtimeState } from '../../../electron/services/runtime/state.ts';
import { developmentPython } from '../../../electron/services/trainer/python.ts';
import { tempDir } from '../../helpers/home.ts';

// The runtime calls without a real install (tests/runtime/install-offline.test.ts installs one): what the app is told
// about the runtime, and the installs it refuses before building anything.
describe('runtime.status and runtime.install', () => {
  const dir = tempDir('airlock-runtime-api-');
  const home = join(dir.path, 'home');
  let services: Services;
  let api: Api;
  const notices: Notice[] = [];
  beforeAll(async () => {
    services = await createServices(home);
    api = createApi(services);
    api.subscribe((notice) => notices.push(notice));
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  it('says which Python the trainer would use, in the launcher\'s order, without starting it', async () => {
    const empty = join(dir.path, 'no-venv');
    mkdirSync(empty);
    expect(runtimeState(home, { AIRLOCK_DEV_VENV: empty })).toEqual({ source: 'none', python: null, installed: null, problem: null });
    expect(runtimeState(home, { AIRLOCK_DEV_VENV: empty, AIRLOCK_PYTHON: '/opt/python/bin/python3' })).toMatchObject({ source: 'environment-variable', python: '/opt/python/bin/python3' });
    const result = await api.call('runtime.status', {});
    expect(result.ok).toBe(true);
    // This checkout's .venv (from `npm run setup`), when there is one, as the trainer itself would pick it.
    const development = developmentPython({});
    if (result.ok && !process.env.AIRLOCK_PYTHON) expect(result.data.state).toMatchObject(development ? { source: 'development', python: development } : { source: 'none' });
  });

  it('refuses a relative path, a missing file, a folder and a file that is not a pack, with codes and plain words', async () => {
    const notes = join(dir.path, 'notes.txt');
    writeFileSync(notes, 'not a pack\n'.repeat(100));
    const cases: [string, string, RegExp][] = [
      ['media/airlock-runtime.tar', 'INVALID_INPUT', /is not a full path/],
      [join(dir.path, 'gone.tar'), 'FILE_NOT_FOUND', /does not exist/],
      [dir.path, 'INVALID_INPUT', /is not a runtime pack.*a folder/],
      [notes, 'INVALID_INPUT', /notes\.txt is not a runtime pack.*not a tar archive/],
    ];
    for (const [path, code, message] of cases) {
      const result = await api.call('runtime.install', { path, jobId: 'refused' });
      expect(result, path).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
    }
    // Nothing was left behind, and the install lock is free again.
    expect(readdirSync(runtimeRoot(home))).toEqual([]);
    expect(notices.filter((notice) => notice.kind === 'progress' && notice.task === 'runtime-install').map((notice) => notice.kind === 'progress' && notice.stage)).toEqual(
      expect.arrayContaining(['verify']),
    );
  });

  it('runs one install at a time: a second request while one holds the lock is refused; a dead holder\'s lock is taken over', async () => {
    const release = lockInstall(runtimeRoot(home)); // exactly what a running install holds
    const second = await api.call('runtime.install', { path: join(dir.path, 'gone.tar'), jobId: 'second' });
    expect(second).toMatchObject({ ok: false, error: { code: 'RUNTIME_INSTALL_IN_PROGRESS', message: expect.stringContaining('already running') } });
    release();
    // A process that died while installing (its pid is gone) does not block the next install.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(runtimeRoot(home), 'install.lock'), JSON.stringify({ pid: Number(dead), since: new Date().toISOString() }));
    const next = await api.call('runtime.install', { path: join(dir.path, 'gone.tar'), jobId: 'next' });
    expect(next).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
    expect(existsSync(join(runtimeRoot(home), 'install.lock'))).toBe(false);
  });

  it("sweeps a killed install's leftover environment, but not while a process started from it still runs", async () => {
    const leftover = join(runtimeRoot(home), '0.0.9-cpu');
    mkdirSync(join(leftover, 'venv', 'bin'), { recursive: true });
    // A process whose command line names the environment's interpreter, as a training run on it would.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', join(leftover, 'venv', 'bin', 'python')], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      if (process.platform === 'linux') expect(folderInUse(leftover)).toBe(true);
      await api.call('runtime.install', { path: join(dir.path, 'gone.tar'), jobId: 'sweep' });
      expect(existsSync(leftover)).toBe(true);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
    expect(folderInUse(leftover)).toBe(false);
    await api.call('runtime.install', { path: join(dir.path, 'gone.tar'), jobId: 'sweep' });
    expect(existsSync(leftover)).toBe(false);
  });
});
