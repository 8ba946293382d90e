import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { AirlockError, type AirlockErrorShape } from '../../../schemas/errors.ts';
import { ErrorEvent, FinishedEvent } from '../../../schemas/events.ts';
import { SyncStepEvent, type SyncSettings } from '../../../schemas/sync.ts';
import { LineSplitter, TailBuffer } from '../trainer/lines.ts';
import { trainerInvocation } from '../trainer/python.ts';
import type { Connection } from './connection.ts';

/** MLflow's own environment: server, credentials, CA bundle, and a retry policy that never retries forever. */
export function mlflowEnvironment(connection: Connection, settings: SyncSettings): Record<string, string> {
  const env: Record<string, string> = {
    MLFLOW_TRACKING_URI: connection.trackingUri,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: String(settings.httpMaxRetries),
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: String(settings.httpBackoffFactor),
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.5',
    MLFLOW_HTTP_REQUEST_TIMEOUT: String(settings.httpTimeoutS),
    MLFLOW_ENABLE_ASYNC_LOGGING: 'false',
  };
  if (connection.caBundlePath) env.MLFLOW_TRACKING_SERVER_CERT_PATH = connection.caBundlePath;
  const credentials = connection.credentials;
  if (credentials?.kind === 'basic') Object.assign(env, { MLFLOW_TRACKING_USERNAME: credentials.username, MLFLOW_TRACKING_PASSWORD: credentials.password });
  if (credentials?.kind === 'token') env.MLFLOW_TRACKING_TOKEN = credentials.token;
  return env;
}

/** How the sync process ended: its terminal event's error, if any. */
export interface SyncProcessExit {
  error: AirlockErrorShape | null;
}

const TerminalEvent = FinishedEvent.or(ErrorEvent);

/**
 * Runs `python -m airlock_trainer sync --job <file>`; `onStep` is called for each confirmed step, in order,
 * before the next line is read (the outbox records it synchronously).
 */
export function runSyncProcess(
  jobFile: string,
  options: { home: string; env: Record<string, string>; stderrPath: string; redact: (text: string) => string; onStep: (event: SyncStepEvent) => void; onSpawn?: (child: ChildProcess) => void },
): Promise<SyncProcessExit> {
  const invocation = trainerInvocation(['sync', '--job', jobFile], options.home);
  return new Promise((resolve, reject) => {
    const child = spawn(invocation.command, invocation.args, { env: { ...invocation.env, ...options.env }, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    const killWithUs = () => child.kill('SIGKILL');
    process.on('exit', killWithUs);
    const stderrTail = new TailBuffer(4000);
    const stderrLog = createWriteStream(options.stderrPath, { flags: 'a' });
    let terminal: AirlockErrorShape | null | undefined;
    let failure: unknown = null;
    const lines = new LineSplitter((line) => {
      if (failure) return;
      try {
        const parsed = JSON.parse(line) as { type?: string };
        if (parsed.type === 'finished' || parsed.type === 'error') {
          const event = TerminalEvent.parse(parsed);
          terminal = event.type === 'error' ? errorShape(event, options.redact) : null;
        } else {
          options.onStep(SyncStepEvent.parse(parsed));
        }
      } catch (error) {
        // A step the outbox could not record must not be followed by others: stop the process here.
        failure = error;
        child.kill('SIGKILL');
      }
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const clean = options.redact(chunk);
      stderrTail.push(clean);
      stderrLog.write(clean);
    });
    child.on('error', (error) => {
      process.off('exit', killWithUs);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      process.off('exit', killWithUs);
      lines.end();
      stderrLog.end();
      if (failure) return reject(failure);
      if (terminal !== undefined) return resolve({ error: terminal });
      const how = signal ? `was killed (${signal})` : `exited with code ${exitCode}`;
      resolve({
        error: {
          code: 'TRAINER_CRASHED',
          message: `The sync process ${how} without reporting a result; what it confirmed is kept.`,
          hint: 'Sync again to continue where it stopped.',
          details: stderrTail.toString().trim().split('\n').slice(-5),
        },
      });
    });
    options.onSpawn?.(child);
  });
}

function errorShape(event: ErrorEvent, redact: (text: string) => string): AirlockErrorShape {
  const shape: AirlockErrorShape = { code: event.code, message: redact(event.message) };
  if (event.hint) shape.hint = redact(event.hint);
  if (event.details.length) shape.details = event.details.map(redact);
  return shape;
}

/** Throws the shape as an AirlockError. */
export function raise(shape: AirlockErrorShape): never {
  throw new AirlockError(shape.code, shape.message, { hint: shape.hint, details: shape.details, field: shape.field });
}
