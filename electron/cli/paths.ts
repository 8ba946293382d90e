import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * The folder the user ran the command from. `npm run airlock` starts the command in the checkout and keeps the
 * user's folder in INIT_CWD; run directly, the working folder is the user's own.
 */
export function invocationDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromNpm = env.INIT_CWD;
  if (fromNpm && isAbsolute(fromNpm) && existsSync(fromNpm) && statSync(fromNpm).isDirectory()) return fromNpm;
  return process.cwd();
}

/** A path argument as a full path: a relative one is taken from the folder the user ran the command in. */
export function userPath(path: string): string {
  return resolve(invocationDir(), path);
}

/** An argument that is either an id or a path (`config <dataset-id|file>`): a full path when it names something there. */
export function userPathOrId(value: string): string {
  const path = userPath(value);
  return existsSync(path) ? path : value;
}
