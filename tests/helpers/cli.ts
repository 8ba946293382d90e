import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

const CLI = ['--import', 'tsx', 'electron/cli/main.ts'];

/** What one CLI invocation printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/**
 * The CLI's environment: AIRLOCK_HOME=home, and INIT_CWD only when a test sets it (under `npm test` npm sets it to
 * wherever that was run, which would move every relative path a test gives).
 */
function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_HOME: home, ...extra };
  if (!('INIT_CWD' in extra)) delete env.INIT_CWD;
  return env;
}

/** Runs `airlock <args>` with AIRLOCK_HOME=home and waits for it; `env` adds variables (INIT_CWD, as npm sets it). */
export function airlock(home: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [...CLI, ...args], { env: cliEnv(home, options.env), encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: parseJson(result.stdout) };
}

/** Starts `airlock <args>` in the background; `finished` resolves when it exits. */
export function airlockInBackground(home: string, args: string[]): { child: ChildProcess; finished: Promise<CliResult> } {
  const child = spawn(process.execPath, [...CLI, ...args], { env: cliEnv(home) });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const finished = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, json: parseJson(stdout) })));
  return { child, finished };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
