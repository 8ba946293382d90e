import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { Prediction } from '../../../schemas/registry.ts';
import type { FileInspection, FilePrediction, GeneratedAnswer, FolderPredictionResult, LabelFileResult, LabelledFileFormat, PredictTarget } from '../../../schemas/predict.ts';
import type { HomePaths } from '../home.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import type { RunTable } from '../store/runs.ts';
import { stagingPath } from '../util/files.ts';
import { confidenceOf, ranked } from './confidence.ts';
import { labelRows } from './label-file.ts';
import { predictMediaFiles, predictMediaFolder } from './media-files.ts';
import { PredictWorkerPool, type ModelFolder, type PoolOptions } from './pool.ts';
import type { GenerateOptions } from './worker.ts';
import { openRowFile } from './rows.ts';
import { formatOfPath, labelledPath, writeLabelled } from './save.ts';

/** Fraction done, with a message in the user's words. */
export type PredictProgress = (fraction: number | null, message: string) => void;

/** A labelling job: its work folder and, once done, what it found. */
interface Job {
  folder: string;
  controller: AbortController;
  columns: string[];
  result: LabelFileResult | null;
}

/** The share of the progress bar spent reading and checking the file before any row is predicted. */
const READING_SHARE = 0.2;
/** Finished jobs whose rows are kept for saving; older ones are removed. */
const KEPT_JOBS = 4;

/** Predictions from registered versions or completed runs, through warm model workers. */
export class PredictionService {
  private readonly pool: PredictWorkerPool;
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly paths: HomePaths,
    private readonly registry: ModelRegistry,
    private readonly runs: RunTable,
    poolOptions: PoolOptions = {},
  ) {
    this.pool = new PredictWorkerPool(paths.root, poolOptions);
  }

  /** The model folder a target names, checked to exist. */
  model(target: PredictTarget): ModelFolder & { name: string } {
    if ('model' in target) {
      const version = this.registry.resolve(target.model);
      return this.checked({ modelDir: version.modelDir, maxLength: version.lineage.config.data.max_length, name: `${version.name} v${version.version}` });
    }
    const run = this.runs.get(target.runId);
    if (!run) throw new AirlockError('RUN_NOT_FOUND', `There is no run "${target.runId}".`, { hint: 'Run `airlock runs` to list runs.' });
    if (run.status !== 'completed' || !run.modelDir) {
      throw new AirlockError('RUN_NOT_COMPLETED', `Run ${run.id} is ${run.status}; only a completed run has a model to predict with.`, {
        hint: run.status === 'running' ? 'Wait for it to finish.' : 'Resume it or train again.',
      });
    }
    return this.checked({ modelDir: run.modelDir, maxLength: run.config.data.max_length, name: `run ${run.id}` });
  }

  private checked<T extends ModelFolder & { name: string }>(model: T): T {
    // A LoRA fine-tuning saves only its adapter; the worker loads the base model from the cache.
    if (!existsSync(join(model.modelDir, 'config.json')) && !existsSync(join(model.modelDir, 'adapter_config.json'))) {
      throw new AirlockError('MODEL_NOT_FOUND', `The model files of ${model.name} are gone from ${model.modelDir}.`, {
        hint: "The run's folder was deleted; train or register another run.",
      });
    }
    return model;
  }

  /** Each text's label with every label ranked, and a plain verdict when the answer is not clear. */
  async texts(target: PredictTarget, texts: string[]): Promise<Prediction[]> {
    const { predictions, info } = await this.pool.predict(this.model(target), texts);
    return predictions.map((prediction, index) => {
      const ranking = ranked(prediction.scores);
      const verdict = confidenceOf(info.problemType, ranking, info.labels.length);
      return {
        text: texts[index],
        ...prediction,
        ...(info.problemType === 'regression' ? {} : { ranked: ranking, lowConfidence: verdict.low }),
        ...(verdict.note ? { confidenceNote: verdict.note } : {}),
      };
    });
  }

  /** A causal language model's answer to `prompt`, streamed piece by piece through `options.onText`. */
  async generate(target: PredictTarget, prompt: string, options: GenerateOptions): Promise<GeneratedAnswer> {
    const { predictions: answer } = await this.pool.generate(this.model(target), prompt, options);
    return { prompt, ...answer };
  }

  /** Label and probabilities for image or audio files (full paths) from an image or audio model. */
  files(target: PredictTarget, files: string[]): Promise<FilePrediction[]> {
    return predictMediaFiles(this.pool, this.model(target), files);
  }

  /** Predicts every image or audio file of a folder into a CSV. */
  folder(target: PredictTarget, path: string, out: string, onProgress?: PredictProgress): Promise<FolderPredictionResult> {
    return predictMediaFolder(this.pool, this.model(target), resolve(path), resolve(out), onProgress);
  }

  /** Reads a file to label and says which column looks like the text (the user confirms it). */
  async inspect(path: string, onProgress?: PredictProgress): Promise<FileInspection> {
    const file = await openRowFile(resolve(path), { onProgress: (fraction) => onProgress?.(fraction, 'Reading the file') });
    return file.inspection;
  }

  /** Predicts every row of a file into a work file; `jobId` names the job for progress, cancel and save. */
  async label(target: PredictTarget, path: string, options: { jobId: string; column?: string; onProgress?: PredictProgress }): Promise<LabelFileResult> {
    const model = this.model(target);
    const { jobId } = options;
    if (this.jobs.get(jobId)?.result === null) throw new AirlockError('INVALID_INPUT', `Job ${jobId} is still running.`, { field: 'jobId' });
    this.discard(jobId);
    const folder = stagingPath(this.paths.staging, 'label');
    mkdirSync(folder, { recursive: true });
    const job: Job = { folder, controller: new AbortController(), columns: [], result: null };
    this.jobs.set(jobId, job);
    const started = Date.now();
    try {
      const source = resolve(path);
      const name = source.split(/[\\/]/).pop()!;
      const file = await openRowFile(source, { tableFolder: folder, onProgress: (fraction) => options.onProgress?.(fraction * READING_SHARE, `Reading ${name}`) });
      job.columns = file.inspection.columns;
      const column = options.column ?? file.inspection.textColumn;
      if (!column) {
        throw new AirlockError('DATASET_NO_TEXT_COLUMN', `No column of ${name} looks like text.`, { field: 'column', hint: `Pick the text column: one of ${file.inspection.columns.join(', ')}.` });
      }
      options.onProgress?.(READING_SHARE, `Loading ${model.name}`);
      const summary = await labelRows({
        file,
        column,
        model,
        pool: this.pool,
        resultPath: join(folder, 'rows.jsonl'),
        signal: job.controller.signal,
        onProgress: (done, total) =>
          options.onProgress?.(READING_SHARE + (1 - READING_SHARE) * (done / Math.max(total, 1)), `Labelled ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows of ${name}`),
      });
      job.result = { jobId, fileName: name, column, durationS: (Date.now() - started) / 1000, ...summary };
      this.forgetOldJobs();
      return job.result;
    } catch (error) {
      this.discard(jobId);
      throw error;
    }
  }

  /** Stops a labelling job after the batch in flight; false when there is no such running job. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.result) return false;
    job.controller.abort();
    return true;
  }

  /** Saves a finished job's rows into `folder` under a new name; returns the file written. */
  async save(jobId: string, folder: string, format: LabelledFileFormat): Promise<{ path: string; rows: number; format: LabelledFileFormat }> {
    const { job, result } = this.finished(jobId);
    const out = labelledPath(folder, result.fileName, format);
    const rows = await writeLabelled(join(job.folder, 'rows.jsonl'), job.columns, result.task, format, out);
    return { path: out, rows, format };
  }

  /** Predicts every row of a file and writes them to `out` (.csv, .tsv or .jsonl), as `airlock predict --file` does. */
  async file(target: PredictTarget, path: string, out: string, options: { column?: string; onProgress?: PredictProgress } = {}) {
    const format = formatOfPath(out);
    const target_ = resolve(out);
    if (!existsSync(dirname(target_)) || !statSync(dirname(target_)).isDirectory()) {
      throw new AirlockError('FILE_NOT_FOUND', `The folder of ${out} does not exist.`, { field: 'out', hint: 'Create the folder first, or pick another place.' });
    }
    const jobId = `file-${process.pid}-${Date.now()}`;
    try {
      const result = await this.label(target, path, { jobId, column: options.column, onProgress: options.onProgress });
      const { job } = this.finished(jobId);
      await writeLabelled(join(job.folder, 'rows.jsonl'), job.columns, result.task, format, target_);
      return { out: target_, rows: result.rows, column: result.column, labelCounts: result.labelCounts, lowConfidenceRows: result.lowConfidenceRows };
    } finally {
      this.discard(jobId);
    }
  }

  /** Stops the model workers and removes every job's work files (app quit). */
  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.controller.abort();
    for (const jobId of [...this.jobs.keys()]) this.discard(jobId);
    await this.pool.close({ forGood: true });
  }

  /** How many model workers are warm now. */
  get warmWorkers(): number {
    return this.pool.warm;
  }

  private finished(jobId: string): { job: Job; result: LabelFileResult } {
    const job = this.jobs.get(jobId);
    if (!job?.result) {
      throw new AirlockError('INVALID_INPUT', `There is no finished labelling job "${jobId}".`, { field: 'jobId', hint: 'Label the file again; results are kept until the app closes.' });
    }
    return { job, result: job.result };
  }

  private discard(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    rmSync(job.folder, { recursive: true, force: true });
  }

  private forgetOldJobs(): void {
    const done = [...this.jobs].filter(([, job]) => job.result !== null);
    for (const [jobId] of done.slice(0, Math.max(0, done.length - KEPT_JOBS))) this.discard(jobId);
  }
}
