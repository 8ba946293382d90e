import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * One runtime install at a time per data folder, across processes (the app and a CLI) and within one (a second
 * request while the first runs): `runtime/install.lock` holds the installer's pid. A dead holder's lock is taken
 * over, so a killed install never blocks the next. Returns the release function.
 */
export function lockInstall(root: string): () => void {
  const path = join(root, 'install.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = openSync(path, 'wx');
      writeSync(handle, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      closeSync(handle);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: number | null = null;
    try {
      holder = (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid;
    } catch {
      holder = null; // written half by a process killed at that instant
    }
    if (attempt > 0 || (holder !== null && isAlive(holder))) {
      throw new AirlockError('RUNTIME_INSTALL_IN_PROGRESS', `A runtime install is already running for this data folder${holder === process.pid ? '' : ` (process ${holder})`}.`, {
        hint: 'Wait for it to finish; the runtime it installs is then in use.',
      });
    }
    rmSync(path, { force: true });
  }
}

/**
 * Whether a running process was started from inside `folder` (a training run or a prediction worker on the runtime
 * being replaced): its files must stay until it ends, since Python imports lazily. Read from /proc on Linux;
 * elsewhere nothing can be seen, and false is answered.
 */
export function folderInUse(folder: string): boolean {
  if (process.platform !== 'linux') return false;
  const prefix = `${folder}/`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.startsWith(prefix));
    } catch {
      return false; // ended meanwhile, or not ours to read
    }
  });
}
