import { z } from 'zod';
import { ErrorCode } from './errors.ts';
import { ErrorEvent } from './events.ts';
import { ModelRef, Prediction } from './registry.ts';

/** Which model predicts: a registered version, or a completed run's model before it is registered. */
export const PredictTarget = z.union([
  z.object({ model: ModelRef }).strict(),
  z.object({ runId: z.string().min(1).max(200).describe('A completed run: its model predicts before registration.') }).strict(),
]);
export type PredictTarget = z.infer<typeof PredictTarget>;

/** One label and its probability; lists of these are sorted, most likely first. */
export const RankedLabel = z.object({ label: z.string(), probability: z.number() });
export type RankedLabel = z.infer<typeof RankedLabel>;

/** Output formats of a labelled file. */
export const LabelledFileFormat = z.enum(['csv', 'tsv', 'jsonl']);
export type LabelledFileFormat = z.infer<typeof LabelledFileFormat>;

/** A file about to be labelled: what was read and which column holds the text. */
export const FileInspection = z.object({
  path: z.string(),
  fileName: z.string(),
  format: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  textColumn: z.string().nullable().describe('The detected text column; null when none looks like text.'),
  preview: z.array(z.record(z.string(), z.string())).describe('The first rows, as text.'),
});
export type FileInspection = z.infer<typeof FileInspection>;

/** The prediction for one row of a labelled file (no full score table: files can be large). */
export const RowPrediction = z.object({
  row: z.number().int().min(1).describe('Row number in the file, from 1 (the header not counted).'),
  text: z.string().describe('The row\'s text, cut to a few hundred characters for display.'),
  label: z.string().nullable().describe('The predicted label; null for regression.'),
  probability: z.number().nullable(),
  runnerUp: RankedLabel.nullable().describe('The second most likely label; null for regression or one label.'),
  labels: z.array(z.string()).optional().describe('Multi-label: every label at or over 0.5.'),
  value: z.number().optional().describe('Regression: the predicted number.'),
  lowConfidence: z.boolean(),
});
export type RowPrediction = z.infer<typeof RowPrediction>;

/** What labelling a whole file found; the rows themselves wait in the data folder until saved. */
export const LabelFileResult = z.object({
  jobId: z.string(),
  status: z.enum(['completed', 'cancelled']),
  fileName: z.string(),
  column: z.string(),
  task: z.string().describe('classification, multi_label or regression.'),
  rows: z.number().int().describe('Rows predicted (fewer than the file holds when cancelled).'),
  totalRows: z.number().int(),
  labelCounts: z.record(z.string(), z.number().int()).describe('Rows per predicted label (empty for regression).'),
  lowConfidenceRows: z.number().int(),
  preview: z.array(RowPrediction).describe('The first rows with their predictions.'),
  lowConfidenceExamples: z.array(RowPrediction).describe('The first low-confidence rows.'),
  durationS: z.number(),
});
export type LabelFileResult = z.infer<typeof LabelFileResult>;

const WorkerEnvelope = { v: z.literal(1), run_id: z.null(), seq: z.number().int().min(0), ts: z.string() };

/** One prediction as the warm worker sends it; Node adds the ranking and the confidence verdict. */
export const WorkerPrediction = z.object({
  label: z.string(),
  probability: z.number().nullable(),
  scores: z.record(z.string(), z.number()).optional().describe('The top labels\' probabilities (all of them unless the request set `top`).'),
  labels: z.array(z.string()).optional(),
  value: z.number().optional(),
});
export type WorkerPrediction = z.infer<typeof WorkerPrediction>;

/** An image or audio file the worker could not decode (the other files of the request are still scored). */
export const WorkerFileFailure = z.object({ error: z.object({ code: ErrorCode, message: z.string() }) });
export type WorkerFileFailure = z.infer<typeof WorkerFileFailure>;

/** The prediction for one image or audio file, or why that file could not be used. */
export const FilePrediction = z.object({
  file: z.string(),
  prediction: Prediction.omit({ text: true }).nullable(),
  error: z.object({ code: ErrorCode, message: z.string() }).nullable(),
});
export type FilePrediction = z.infer<typeof FilePrediction>;

/** A causal language model's answer to one prompt. */
export const GeneratedAnswer = z.object({
  prompt: z.string(),
  text: z.string().describe('The whole answer (the pieces streamed as generate notices, joined).'),
  tokens: z.number().int().describe('Tokens the model wrote for the answer (its end-of-text token not counted).'),
  durationS: z.number(),
});
export type GeneratedAnswer = z.infer<typeof GeneratedAnswer>;

/** What predicting every image or audio file of a folder wrote. */
export const FolderPredictionResult = z.object({
  out: z.string(),
  files: z.number().int(),
  failed: z.number().int().describe('Files that could not be decoded (their error is in the output).'),
  labelCounts: z.record(z.string(), z.number().int()),
  lowConfidenceFiles: z.number().int(),
});
export type FolderPredictionResult = z.infer<typeof FolderPredictionResult>;

/**
 * Lines of `python -m airlock_trainer predict-worker` besides its terminal finished/error event:
 * the model is loaded; the answer to request `id` (a causal LM's as it is decoded, then whole); or that request
 * failed (the worker goes on).
 */
export const PredictWorkerEvent = z.discriminatedUnion('type', [
  z.object({
    ...WorkerEnvelope,
    type: z.literal('predict_ready'),
    labels: z.array(z.string()),
    problem_type: z.string(),
    load_s: z.number(),
  }),
  z.object({ ...WorkerEnvelope, type: z.literal('predictions'), id: z.number().int(), predictions: z.array(z.union([WorkerPrediction, WorkerFileFailure])) }),
  z.object({ ...WorkerEnvelope, type: z.literal('generated_text'), id: z.number().int(), text: z.string() }),
  z.object({ ...WorkerEnvelope, type: z.literal('generated'), id: z.number().int(), text: z.string(), tokens: z.number().int(), duration_s: z.number() }),
  z.object({
    ...WorkerEnvelope,
    type: z.literal('predict_failed'),
    id: z.number().int().nullable(),
    ...ErrorEvent.pick({ code: true, message: true, hint: true, field: true, details: true }).shape,
  }),
]);
export type PredictWorkerEvent = z.infer<typeof PredictWorkerEvent>;
