import type { ChildProcess } from 'node:child_process';
import { AirlockError, type AirlockErrorShape } from '../../../schemas/errors.ts';
import { ErrorEvent, FinishedEvent } from '../../../schemas/events.ts';
import { SyncStepEvent, type SyncSettings } from '../../../schemas/sync.ts';
import { runTrainerProcess } from '../trainer/process.ts';
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
export async function runSyncProcess(
  jobFile: string,
  options: { home: string; env: Record<string, string>; stderrPath: string; redact: (text: string) => string; onStep: (event: SyncStepEvent) => void; onSpawn?: (child: ChildProcess) => void },
): Promise<SyncProcessExit> {
  let terminal: AirlockErrorShape | null | undefined;
  let failure: unknown = null;
  let child: ChildProcess | null = null;
  // A step the outbox could not record must not be followed by others: stop the process there.
  const stop = (error: unknown) => {
    failure ??= error;
    child?.kill('SIGKILL');
  };
  const exit = await runTrainerProcess(['sync', '--job', jobFile], {
    home: options.home,
    env: options.env,
    stderrPath: options.stderrPath,
    redactStderr: options.redact,
    onSpawn: (spawned) => {
      child = spawned;
      options.onSpawn?.(spawned);
    },
    onBadLine: (line) => stop(new Error(`The sync process wrote a line that is not JSON: ${options.redact(line).slice(0, 200)}`)),
    onJson: (value) => {
      if (failure) return;
      try {
        const type = (value as { type?: string }).type;
        if (type === 'finished' || type === 'error') {
          const event = TerminalEvent.parse(value);
          terminal = event.type === 'error' ? errorShape(event, options.redact) : null;
        } else {
          options.onStep(SyncStepEvent.parse(value));
        }
      } catch (error) {
        stop(error);
      }
    },
  });
  if (failure) throw failure;
  if (terminal !== undefined) return { error: terminal };
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.exitCode}`;
  return {
    error: {
      code: 'TRAINER_CRASHED',
      message: `The sync process ${how} without reporting a result; what it confirmed is kept.`,
      hint: 'Sync again to continue where it stopped.',
      details: exit.stderrTail.trim().split('\n').slice(-5),
    },
  };
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
