import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { TrainerEvent } from '../../../schemas/events.ts';
import { LineSplitter, TailBuffer } from './lines.ts';
import { trainerInvocation } from './python.ts';

/** How one trainer process ended. */
export interface TrainerExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  lastEvent: TrainerEvent | null;
  stderrTail: string;
}

export interface TrainerProcessOptions {
  home: string;
  /** This interpreter instead of the usual one (the runtime install's self-check runs the new environment). */
  python?: string;
  /** Added to the allow-listed environment (e.g. a tracking server's credentials). */
  env?: Record<string, string>;
  /** Applied to stderr before it is kept or logged (keeps secrets out of logs). */
  redactStderr?: (text: string) => string;
  /** Every JSON line, unvalidated, for commands with their own event protocol; replaces `onEvent`. */
  onJson?: (value: unknown, line: string) => void;
  onEvent?: (event: TrainerEvent, line: string) => void;
  onBadLine?: (line: string, problem: string) => void;
  stderrPath?: string;
  /** Keep the child's stdin open as a pipe (for a worker that reads requests there); ignored otherwise. */
  stdinPipe?: boolean;
  onSpawn?: (child: ChildProcess) => void;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Trainer processes die with the app: a run is never left training with nobody listening. */
function killChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Starts `python -m airlock_trainer <args>`, validating every stdout line as a trainer event. */
export function runTrainerProcess(args: string[], options: TrainerProcessOptions): Promise<TrainerExit> {
  const invocation = trainerInvocation(args, options.home, process.env, options.python);
  killChildrenOnExit();
  return new Promise((resolve, reject) => {
    const child = spawn(invocation.command, invocation.args, { env: { ...invocation.env, ...options.env }, shell: false, stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    running.add(child);
    const stderrTail = new TailBuffer();
    const stderrLog = options.stderrPath ? createWriteStream(options.stderrPath, { flags: 'a' }) : null;
    let lastEvent: TrainerEvent | null = null;

    const lines = new LineSplitter((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        options.onBadLine?.(line, 'not JSON');
        return;
      }
      if (options.onJson) return options.onJson(parsed, line);
      const result = TrainerEvent.safeParse(parsed);
      if (!result.success) {
        options.onBadLine?.(line, result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
        return;
      }
      lastEvent = result.data;
      options.onEvent?.(result.data, line);
    });

    // stdout and stderr are always pipes (only stdin varies), so neither is null.
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const text = options.redactStderr ? options.redactStderr(chunk) : chunk;
      stderrTail.push(text);
      stderrLog?.write(text);
    });
    child.on('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      running.delete(child);
      lines.end();
      stderrLog?.end();
      resolve({ exitCode, signal, lastEvent, stderrTail: stderrTail.toString() });
    });
    options.onSpawn?.(child);
  });
}
