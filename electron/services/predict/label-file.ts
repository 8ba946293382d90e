/** Labels every row of a file with a warm worker, batch by batch, keeping the results in a work file until saved. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { AirlockError } from '../../../schemas/errors.ts';
import type { LabelFileResult, RowPrediction, WorkerPrediction } from '../../../schemas/predict.ts';
import { confidenceOf, ranked } from './confidence.ts';
import type { ModelFolder, PredictWorkerPool } from './pool.ts';
import { cellText, streamRows, typedCell, type RowFile } from './rows.ts';

/** Rows sent to the worker at once: big enough to keep it busy, small enough that cancelling is quick. */
export const BATCH_ROWS = 64;
const PREVIEW_ROWS = 20;
const TEXT_CHARS = 300;

/** One line of the work file: the row's values (JSON-safe) and its prediction. */
export interface ResultLine {
  values: unknown[];
  prediction: Omit<RowPrediction, 'row' | 'text'>;
}

export interface LabelRowsOptions {
  file: RowFile;
  column: string;
  model: ModelFolder;
  pool: PredictWorkerPool;
  /** Where the rows and their predictions are written, one JSON line each. */
  resultPath: string;
  signal: AbortSignal;
  onProgress(done: number, total: number): void;
}

type Summary = Pick<LabelFileResult, 'status' | 'task' | 'rows' | 'totalRows' | 'labelCounts' | 'lowConfidenceRows' | 'preview' | 'lowConfidenceExamples'>;

const TASKS: Record<string, string> = { single_label_classification: 'classification', multi_label_classification: 'multi_label', regression: 'regression' };

/** Predicts every row's `column`; stops after the batch in flight when `signal` aborts (status cancelled). */
export async function labelRows(options: LabelRowsOptions): Promise<Summary> {
  const { file, column } = options;
  const index = file.inspection.columns.indexOf(column);
  if (index < 0) {
    throw new AirlockError('DATASET_COLUMN_MISSING', `${file.inspection.fileName} has no column "${column}".`, {
      field: 'column',
      hint: `Pick one of: ${file.inspection.columns.join(', ')}.`,
    });
  }
  const summary: Summary = { status: 'completed', task: 'classification', rows: 0, totalRows: file.inspection.rows, labelCounts: {}, lowConfidenceRows: 0, preview: [], lowConfidenceExamples: [] };
  const out = createWriteStream(options.resultPath, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let top: number | undefined; // every score for the first batch; then only what a row needs
  try {
    for await (const batch of streamRows(file, BATCH_ROWS)) {
      if (options.signal.aborted) {
        summary.status = 'cancelled';
        break;
      }
      const texts = batch.map((values) => cellText(values[index]));
      const { predictions, info } = await options.pool.predict(options.model, texts, top);
      summary.task = TASKS[info.problemType] ?? info.problemType;
      if (info.problemType !== 'multi_label_classification') top = 2;
      for (let i = 0; i < batch.length; i++) {
        const row = summary.rows + 1;
        const prediction = rowPrediction(predictions[i], info.problemType, info.labels.length);
        count(summary, prediction, { row, text: texts[i].slice(0, TEXT_CHARS), ...prediction });
        const line: ResultLine = { values: batch[i].map((cell, column) => typedCell(cell, file.numeric[column])), prediction };
        if (!out.write(`${JSON.stringify(line)}\n`)) await Promise.race([once(out, 'drain'), failed]);
      }
      options.onProgress(summary.rows, summary.totalRows);
    }
    if (options.signal.aborted && summary.rows < summary.totalRows) summary.status = 'cancelled';
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } finally {
    out.destroy();
  }
  return summary;
}

function rowPrediction(prediction: WorkerPrediction, problemType: string, labelCount: number): ResultLine['prediction'] {
  if (problemType === 'regression') {
    return { label: null, probability: null, runnerUp: null, value: prediction.value, lowConfidence: false };
  }
  const ranking = ranked(prediction.scores);
  const verdict = confidenceOf(problemType, ranking, labelCount);
  return {
    label: prediction.label,
    probability: prediction.probability,
    runnerUp: ranking[1] ?? null,
    ...(prediction.labels ? { labels: prediction.labels } : {}),
    lowConfidence: verdict.low,
  };
}

function count(summary: Summary, prediction: ResultLine['prediction'], shown: RowPrediction): void {
  summary.rows++;
  const labels = prediction.labels ?? (prediction.label !== null ? [prediction.label] : []);
  for (const label of labels) summary.labelCounts[label] = (summary.labelCounts[label] ?? 0) + 1;
  if (summary.preview.length < PREVIEW_ROWS) summary.preview.push(shown);
  if (prediction.lowConfidence) {
    summary.lowConfidenceRows++;
    if (summary.lowConfidenceExamples.length < PREVIEW_ROWS) summary.lowConfidenceExamples.push(shown);
  }
}
