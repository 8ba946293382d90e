/** Warm prediction workers, one per model, reused while in use and closed when idle or on quit. */
import type { WorkerFileFailure, WorkerPrediction } from '../../../schemas/predict.ts';
import { PredictWorker, type GenerateOptions, type WorkerAnswer, type WorkerInfo } from './worker.ts';

/** A model folder and the truncation it was trained with: what one worker serves. */
export interface ModelFolder {
  modelDir: string;
  maxLength: number;
}

export interface PoolOptions {
  /** A worker nobody used for this long is closed (default 5 minutes). */
  idleMs?: number;
  /** At most this many models stay loaded; the least recently used idle one goes first (default 2). */
  maxWarm?: number;
}

interface Entry {
  worker: PredictWorker;
  busy: number;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * Hands out a warm {@link PredictWorker} per model: the first request pays Python's start-up and the
 * model load, later ones only the forward pass. A worker that died is replaced on the next request.
 */
export class PredictWorkerPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly maxWarm: number;
  private closed = false;

  constructor(
    private readonly home: string,
    options: PoolOptions = {},
  ) {
    this.idleMs = options.idleMs ?? Number(process.env.AIRLOCK_PREDICT_IDLE_MS ?? 5 * 60_000);
    this.maxWarm = options.maxWarm ?? 2;
  }

  /** Predictions from the model's warm worker (started if needed), and what the worker knows about the model. */
  predict(model: ModelFolder, texts: string[], top?: number): Promise<{ predictions: WorkerPrediction[]; info: WorkerInfo }> {
    return this.withWorker(model, (worker) => worker.predict(texts, top));
  }

  /** Predictions for image or audio files (full paths) from the model's warm worker; undecodable files get their error. */
  predictFiles(model: ModelFolder, files: string[], top?: number): Promise<{ predictions: (WorkerPrediction | WorkerFileFailure)[]; info: WorkerInfo }> {
    return this.withWorker(model, (worker) => worker.predictFiles(files, top));
  }

  /** A causal language model's answer to one prompt from its warm worker, streamed through `options.onText`. */
  generate(model: ModelFolder, prompt: string, options: GenerateOptions): Promise<{ predictions: WorkerAnswer; info: WorkerInfo }> {
    return this.withWorker(model, (worker) => worker.generate(prompt, options));
  }

  private async withWorker<T>(model: ModelFolder, ask: (worker: PredictWorker) => Promise<T>): Promise<{ predictions: T; info: WorkerInfo }> {
    const entry = this.acquire(model);
    try {
      const predictions = await ask(entry.worker);
      return { predictions, info: await entry.worker.ready };
    } finally {
      this.release(model, entry);
    }
  }

  /** How many workers are running now. */
  get warm(): number {
    return [...this.entries.values()].filter((entry) => !entry.worker.dead).length;
  }

  /** Closes every worker (app quit); later requests start new ones unless the pool is closed for good. */
  async close(options: { forGood?: boolean } = {}): Promise<void> {
    if (options.forGood) this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) if (entry.idleTimer) clearTimeout(entry.idleTimer);
    await Promise.all(entries.map((entry) => entry.worker.close()));
  }

  private acquire(model: ModelFolder): Entry {
    if (this.closed) throw new Error('The prediction service has been closed.');
    const key = `${model.modelDir}\0${model.maxLength}`;
    let entry = this.entries.get(key);
    if (entry?.worker.dead) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      entry = { worker: new PredictWorker(model.modelDir, model.maxLength, this.home), busy: 0, lastUsed: Date.now(), idleTimer: null };
      this.entries.set(key, entry);
      this.evictBeyondLimit(key);
    }
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    entry.busy++;
    return entry;
  }

  private release(model: ModelFolder, entry: Entry): void {
    entry.busy--;
    entry.lastUsed = Date.now();
    const key = `${model.modelDir}\0${model.maxLength}`;
    if (entry.busy > 0 || this.entries.get(key) !== entry) return;
    if (entry.worker.dead) {
      this.entries.delete(key);
      return;
    }
    entry.idleTimer = setTimeout(() => {
      if (this.entries.get(key) === entry && entry.busy === 0) {
        this.entries.delete(key);
        void entry.worker.close();
      }
    }, this.idleMs);
    entry.idleTimer.unref(); // an idle worker alone does not keep the app running
  }

  /** Each loaded model holds its weights in memory: keep only the most recently used few. */
  private evictBeyondLimit(keep: string): void {
    const idle = [...this.entries].filter(([key, entry]) => key !== keep && entry.busy === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.entries.size > this.maxWarm && idle.length > 0) {
      const [key, entry] = idle.shift()!;
      if (entry.idleTimer) clearTimeout(entry.idleTimer);
      this.entries.delete(key);
      void entry.worker.close();
    }
  }
}
