import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../../../schemas/errors.ts';
import { Prediction, type ModelVersion } from '../../../schemas/registry.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import type { HomePaths } from '../home.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import { analyzeDatasetFile } from '../datasets/analyze.ts';
import { TABLE_FILE } from '../datasets/canonical-table.ts';
import { callTrainer } from '../trainer/commands.ts';
import { stagingPath } from '../util/files.ts';

/** Fraction done, with a message, as the trainer reports it. */
export type PredictProgress = (fraction: number | null, message: string) => void;

const FileResult = z.object({ out: z.string(), rows: z.number().int(), column: z.string(), label_counts: z.record(z.string(), z.number()) });

function progressOf(onProgress?: PredictProgress) {
  return (event: TrainerEvent) => {
    if (event.type === 'progress') onProgress?.(event.fraction, event.message);
  };
}

function finishedDetails(events: TrainerEvent[]): Record<string, unknown> {
  const last = events.at(-1);
  return last?.type === 'finished' ? last.details : {};
}

/** Predictions from registered model versions, computed by the trainer (the same code path as Airlock's checks). */
export class PredictionService {
  constructor(
    private readonly paths: HomePaths,
    private readonly registry: ModelRegistry,
  ) {}

  private modelArgs(version: ModelVersion): string[] {
    if (!existsSync(join(version.modelDir, 'config.json'))) {
      throw new AirlockError('MODEL_NOT_FOUND', `The model files of ${version.name} v${version.version} are gone from ${version.modelDir}.`, {
        hint: "The run's folder was deleted; register another run.",
      });
    }
    return ['--model', version.modelDir, '--max-length', String(version.lineage.config.data.max_length)];
  }

  /** Label and probability for each text. */
  async texts(ref: string, texts: string[], onProgress?: PredictProgress): Promise<Prediction[]> {
    const version = this.registry.resolve(ref);
    // Through a file: many or long texts would overflow a command line.
    const staging = stagingPath(this.paths.staging, 'predict');
    mkdirSync(staging, { recursive: true });
    try {
      const textsFile = join(staging, 'texts.json');
      writeFileSync(textsFile, JSON.stringify(texts));
      const args = ['predict', ...this.modelArgs(version), '--texts-file', textsFile];
      const events = await callTrainer(args, this.paths.root, progressOf(onProgress));
      return z.array(Prediction).parse(finishedDetails(events).predictions);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Predicts every row of a data file, detecting the text column as import does, and writes them to `out`. */
  async file(ref: string, path: string, out: string, options: { column?: string; onProgress?: PredictProgress } = {}) {
    const version = this.registry.resolve(ref);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new AirlockError('FILE_NOT_FOUND', `The file ${path} does not exist.`, { hint: 'Check the path, or pick the file again.' });
    }
    const outFormat = extname(out).toLowerCase();
    if (outFormat !== '.csv' && outFormat !== '.jsonl') {
      throw new AirlockError('INVALID_INPUT', `Predictions are written as .csv or .jsonl, not "${outFormat || 'no extension'}".`, { field: 'out', hint: 'Name the output file predictions.csv or predictions.jsonl.' });
    }
    if (!existsSync(dirname(resolve(out)))) {
      throw new AirlockError('FILE_NOT_FOUND', `The folder of ${out} does not exist.`, { field: 'out', hint: 'Create the folder first, or pick another place.' });
    }
    const staging = stagingPath(this.paths.staging, 'predict');
    mkdirSync(staging, { recursive: true });
    try {
      options.onProgress?.(0, 'Reading the file');
      const analysis = await analyzeDatasetFile(path, { tableDir: staging, textOnly: true });
      const column = options.column ?? analysis.detection.textColumn;
      if (!column) {
        throw new AirlockError('DATASET_NO_TEXT_COLUMN', `No text column was found in ${path}.`, { hint: 'Name it with --column.', field: 'column' });
      }
      const data = join(staging, TABLE_FILE);
      const args = ['predict', ...this.modelArgs(version), '--data', data, '--column', column, '--out', resolve(out)];
      const events = await callTrainer(args, this.paths.root, progressOf(options.onProgress));
      const result = FileResult.parse(finishedDetails(events));
      return { out: result.out, rows: result.rows, column: result.column, labelCounts: result.label_counts };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}
