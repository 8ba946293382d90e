/**
 * Predictions for image and audio files: a few dropped on "try it" or named on the command line, or
 * every file of a folder written to a CSV. Files are decoded by the model's worker with the decoder
 * training used; a file that cannot be decoded gets its error, and the others are still scored.
 */
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { AirlockError } from '../../../schemas/errors.ts';
import type { FilePrediction, FolderPredictionResult, WorkerFileFailure, WorkerPrediction } from '../../../schemas/predict.ts';
import { mediaKind } from '../datasets/media/layout.ts';
import { listFolderFiles } from '../datasets/media/walk.ts';
import { delimitedRecord } from '../util/csv-cells.ts';
import { confidenceOf, ranked } from './confidence.ts';
import type { ModelFolder, PredictWorkerPool } from './pool.ts';
import type { WorkerInfo } from './worker.ts';

/** Files sent to the worker per request: enough to batch, few enough for steady progress. */
const FILES_PER_REQUEST = 32;

function checkFile(path: string): void {
  if (!isAbsolute(path) || !existsSync(path) || !statSync(path).isFile()) {
    throw new AirlockError('FILE_NOT_FOUND', `The file ${path} does not exist.`, { hint: 'Check the path, or pick the file again.', field: 'files' });
  }
  if (!mediaKind(path)) {
    throw new AirlockError('INVALID_INPUT', `${basename(path)} is not an image or audio file.`, {
      hint: 'Images: PNG, JPEG, BMP, GIF, WebP or TIFF. Audio: WAV, FLAC, OGG or MP3.',
      field: 'files',
    });
  }
}

function toFilePrediction(file: string, answer: WorkerPrediction | WorkerFileFailure, info: WorkerInfo): FilePrediction {
  if ('error' in answer) return { file, prediction: null, error: answer.error };
  const ranking = ranked(answer.scores);
  const verdict = confidenceOf(info.problemType, ranking, info.labels.length);
  return {
    file,
    prediction: {
      ...answer,
      ...(info.problemType === 'regression' ? {} : { ranked: ranking, lowConfidence: verdict.low }),
      ...(verdict.note ? { confidenceNote: verdict.note } : {}),
    },
    error: null,
  };
}

/** Label and probabilities for each file (full paths). */
export async function predictMediaFiles(pool: PredictWorkerPool, model: ModelFolder, files: string[]): Promise<FilePrediction[]> {
  files.forEach(checkFile);
  const { predictions, info } = await pool.predictFiles(model, files);
  return predictions.map((answer, index) => toFilePrediction(files[index]!, answer, info));
}

/**
 * Predicts every image or audio file under `folder` (listed as import lists a dataset folder) into a CSV at
 * `out`: file (relative path), predicted_label, probability, low_confidence, error. Written whole, then renamed.
 */
export async function predictMediaFolder(
  pool: PredictWorkerPool,
  model: ModelFolder,
  folder: string,
  out: string,
  onProgress?: (fraction: number, message: string) => void,
): Promise<FolderPredictionResult> {
  if (!/\.csv$/i.test(out)) {
    throw new AirlockError('INVALID_INPUT', `Predictions for a folder are written as CSV; ${basename(out)} does not end in .csv.`, {
      hint: 'Name the output file something.csv.',
      field: 'out',
    });
  }
  if (!existsSync(dirname(out))) {
    throw new AirlockError('EXPORT_TARGET_INVALID', `The folder ${dirname(out)} for ${basename(out)} does not exist.`, { hint: 'Create the folder, or pick another --out path.', field: 'out' });
  }
  const { files } = await listFolderFiles(folder);
  const media = files.filter((file) => mediaKind(file.relative));
  if (media.length === 0) {
    throw new AirlockError('DATASET_EMPTY', `${basename(folder)} holds no image or audio files.`, { hint: 'Images: PNG, JPEG, BMP, GIF, WebP or TIFF. Audio: WAV, FLAC, OGG or MP3.' });
  }
  const lines = [delimitedRecord(['file', 'predicted_label', 'probability', 'low_confidence', 'error'], ',')];
  const labelCounts: Record<string, number> = {};
  let failed = 0;
  let lowConfidence = 0;
  for (let start = 0; start < media.length; start += FILES_PER_REQUEST) {
    const chunk = media.slice(start, start + FILES_PER_REQUEST);
    const { predictions, info } = await pool.predictFiles(model, chunk.map((file) => file.absolute));
    predictions.forEach((answer, index) => {
      const result = toFilePrediction(chunk[index]!.relative, answer, info);
      const prediction = result.prediction;
      if (!prediction) failed++;
      else {
        labelCounts[prediction.label] = (labelCounts[prediction.label] ?? 0) + 1;
        if (prediction.lowConfidence) lowConfidence++;
      }
      const cells = [result.file, prediction?.label ?? '', prediction?.probability?.toFixed(6) ?? '', prediction ? String(prediction.lowConfidence ?? false) : '', result.error ? `${result.error.code}: ${result.error.message}` : ''];
      lines.push(delimitedRecord(cells, ','));
    });
    const done = Math.min(media.length, start + FILES_PER_REQUEST);
    onProgress?.(done / media.length, `Predicted ${done} of ${media.length} files`);
  }
  const partial = join(dirname(out), `.${basename(out)}.partial`);
  await writeFile(partial, lines.join(''));
  await rename(partial, out);
  return { out, files: media.length, failed, labelCounts, lowConfidenceFiles: lowConfidence };
}
