/** One warm `predict-worker` process: a loaded model answering prediction requests over JSON lines. */
import type { ChildProcess } from 'node:child_process';
import { AirlockError } from '../../../schemas/errors.ts';
import { ErrorEvent } from '../../../schemas/events.ts';
import { PredictWorkerEvent, type WorkerFileFailure, type WorkerPrediction } from '../../../schemas/predict.ts';
import { runTrainerProcess, type TrainerExit } from '../trainer/process.ts';
import type { ProblemType } from './confidence.ts';

/** What the worker said once its model was loaded. */
export interface WorkerInfo {
  labels: string[];
  problemType: ProblemType;
  loadS: number;
}

interface Pending {
  resolve(answer: (WorkerPrediction | WorkerFileFailure)[] | WorkerAnswer): void;
  reject(error: unknown): void;
  onText?: (text: string) => void;
}

/** A causal language model's whole answer, as the worker sends it after the streamed pieces. */
export interface WorkerAnswer {
  text: string;
  tokens: number;
  durationS: number;
}

/** How one prompt is answered. */
export interface GenerateOptions {
  maxNewTokens: number;
  temperature: number;
  /** Receives the answer piece by piece as the worker decodes it. */
  onText?: (text: string) => void;
}

/** Grace period for a worker to finish after its stdin is closed, before it is killed. */
const CLOSE_GRACE_MS = 3000;

/**
 * Starts `python -m airlock_trainer predict-worker` for one model folder. Requests may be sent at once;
 * the worker answers them in order. When the process ends, every unanswered request fails with the
 * worker's own error (a model that cannot be loaded) or TRAINER_CRASHED with the tail of its stderr.
 */
export class PredictWorker {
  readonly ready: Promise<WorkerInfo>;
  /** Settles when the process has ended. */
  readonly exited: Promise<void>;
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: AirlockError | null = null;
  private terminalError: AirlockError | null = null;
  private settleReady!: { resolve(info: WorkerInfo): void; reject(error: unknown): void };

  constructor(
    readonly modelDir: string,
    readonly maxLength: number,
    home: string,
  ) {
    this.ready = new Promise<WorkerInfo>((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // failures reach callers through predict()
    const args = ['predict-worker', '--model', modelDir, '--max-length', String(maxLength)];
    this.exited = runTrainerProcess(args, {
      home,
      stdinPipe: true,
      onSpawn: (child) => {
        this.child = child;
        child.stdin?.on('error', () => undefined); // a dead worker is reported by its exit, not by a broken pipe
      },
      onJson: (value) => this.receive(value),
      onBadLine: (line) => this.fail(new AirlockError('TRAINER_CRASHED', 'The prediction worker wrote something that is not JSON.', { details: [line.slice(0, 200)] })),
    }).then(
      (exit) => this.ended(exit),
      (error: unknown) => this.fail(error instanceof AirlockError ? error : crashed(`it could not start (${String(error)})`, '')),
    );
  }

  /** True once the process has ended or failed: a new worker is needed. */
  get dead(): boolean {
    return this.failure !== null;
  }

  /** Predictions for `texts`, in order; `top` limits each score table to the most likely labels. */
  async predict(texts: string[], top?: number): Promise<WorkerPrediction[]> {
    const answers = await this.request({ texts, ...(top ? { top } : {}) });
    return answers.map((answer) => {
      if ('error' in answer) throw new AirlockError(answer.error.code, answer.error.message);
      return answer;
    });
  }

  /** Predictions for image or audio files (full paths), in order; a file that cannot be decoded gets its error. */
  predictFiles(files: string[], top?: number): Promise<(WorkerPrediction | WorkerFileFailure)[]> {
    return this.request({ files, ...(top ? { top } : {}) });
  }

  /** A causal language model's answer to `prompt`; `onText` receives it piece by piece before the promise settles. */
  async generate(prompt: string, options: GenerateOptions): Promise<WorkerAnswer> {
    const body = { prompt, max_new_tokens: options.maxNewTokens, temperature: options.temperature };
    return (await this.send(body, options.onText)) as WorkerAnswer;
  }

  private async request(body: Record<string, unknown>): Promise<(WorkerPrediction | WorkerFileFailure)[]> {
    return (await this.send(body)) as (WorkerPrediction | WorkerFileFailure)[];
  }

  private async send(body: Record<string, unknown>, onText?: (text: string) => void): Promise<(WorkerPrediction | WorkerFileFailure)[] | WorkerAnswer> {
    await this.ready;
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onText });
      this.child?.stdin?.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /** Asks the worker to finish (its stdin ends) and kills it if it has not within a few seconds. */
  close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
      timer.unref();
      void this.exited.finally(() => clearTimeout(timer));
    }
    return this.exited;
  }

  private receive(value: unknown): void {
    const type = (value as { type?: unknown } | null)?.type;
    if (type === 'finished') return;
    if (type === 'error') {
      const event = ErrorEvent.safeParse(value);
      if (event.success) {
        const { code, message, hint, field, details } = event.data;
        this.terminalError = new AirlockError(code, message, { hint: hint ?? undefined, field: field ?? undefined, details: details.length ? details : undefined });
      }
      return;
    }
    const parsed = PredictWorkerEvent.safeParse(value);
    if (!parsed.success) {
      this.fail(new AirlockError('TRAINER_CRASHED', `The prediction worker sent an answer Airlock does not understand (${parsed.error.issues[0]?.message}).`));
      return;
    }
    const event = parsed.data;
    if (event.type === 'predict_ready') {
      this.settleReady.resolve({ labels: event.labels, problemType: event.problem_type as ProblemType, loadS: event.load_s });
    } else if (event.type === 'predictions') {
      this.take(event.id)?.resolve(event.predictions);
    } else if (event.type === 'generated_text') {
      this.pending.get(event.id)?.onText?.(event.text);
    } else if (event.type === 'generated') {
      this.take(event.id)?.resolve({ text: event.text, tokens: event.tokens, durationS: event.duration_s });
    } else if (event.id !== null) {
      const { code, message, hint, field, details } = event;
      this.take(event.id)?.reject(new AirlockError(code, message, { hint: hint ?? undefined, field: field ?? undefined, details: details.length ? details : undefined }));
    }
  }

  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  private ended(exit: TrainerExit): void {
    const how = exit.signal ? `was stopped (${exit.signal})` : `exited with code ${exit.exitCode}`;
    this.fail(this.terminalError ?? crashed(how, exit.stderrTail));
  }

  private fail(error: AirlockError): void {
    this.failure ??= error;
    this.settleReady.reject(this.failure);
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(this.failure);
    }
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function crashed(how: string, stderrTail: string): AirlockError {
  return new AirlockError('TRAINER_CRASHED', `The prediction worker ${how} before answering.`, {
    hint: 'Try again; if it keeps failing, run `npm run setup` to repair the Python environment.',
    details: stderrTail.trim() ? stderrTail.trim().split('\n').slice(-5) : undefined,
  });
}
