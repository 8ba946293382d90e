/** Staging folders of killed processes are removed when services start; those of running processes stay. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createServices } from '../../../electron/services/index.ts';
import { removeStaleStaging, stagingPath } from '../../../electron/services/util/files.ts';
import { tempDir } from '../../helpers/home.ts';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.cleanup());

/** Runs a process that makes a staging folder as an import does and is then killed; returns the folder. */
function killedImportFolder(staging: string): string {
  const script = `require('fs').mkdirSync(require('path').join(${JSON.stringify(staging)}, 'dataset-' + process.pid + '-0badf00d', 'deep'), { recursive: true }); process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['-e', script]);
  expect(child.signal).toBe('SIGKILL');
  return join(staging, `dataset-${child.pid}-0badf00d`);
}

it('a killed import leaves nothing behind after the next start', async () => {
  dir = tempDir();
  const home = join(dir.path, 'home');
  const staging = join(home, 'staging');
  mkdirSync(staging, { recursive: true });
  const killed = killedImportFolder(staging);
  expect(existsSync(killed)).toBe(true);
  const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  try {
    const live = join(staging, `dataset-${running.pid}-12345678`);
    mkdirSync(live);
    writeFileSync(join(staging, 'notes.txt'), 'not a staging folder');
    process.env.AIRLOCK_BUNDLED_MODELS = dir.path; // no bundled model to seed
    const services = await createServices(home).finally(() => delete process.env.AIRLOCK_BUNDLED_MODELS);
    services.close();
    expect(readdirSync(staging).sort()).toEqual([`dataset-${running.pid}-12345678`, 'notes.txt']);
  } finally {
    running.kill();
  }
});

it("a folder with this process's own id is stale only when it is older than this process", () => {
  dir = tempDir();
  const fresh = stagingPath(dir.path, 'model');
  const old = stagingPath(dir.path, 'predict');
  mkdirSync(fresh);
  mkdirSync(old);
  const beforeStart = (Date.now() - process.uptime() * 1000 - 60_000) / 1000;
  utimesSync(old, beforeStart, beforeStart);
  expect(removeStaleStaging(dir.path, () => true)).toEqual([old]);
  expect(readdirSync(dir.path)).toEqual([fresh.split('/').pop()]);
});
