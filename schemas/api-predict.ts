import { z } from 'zod';
import { Prediction } from './registry.ts';
import { FileInspection, GeneratedAnswer, FilePrediction, FolderPredictionResult, LabelFileResult, LabelledFileFormat, PredictTarget } from './predict.ts';

const JobId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only')
  .describe('Chosen by the caller, so it can follow progress notices and cancel before the call returns.');
const FilePath = z.string().min(1).max(4096);

/** Prediction calls: "try it", and labelling a whole file. Spread into `ApiCalls` in api.ts. */
export const PredictCalls = {
  'predict.generate': {
    input: z
      .object({
        target: PredictTarget,
        prompt: z.string().min(1).max(100_000).describe('What the user asks; written as the model saw prompts in training.'),
        maxNewTokens: z.number().int().min(1).max(4096).default(64).describe('The answer stops after this many tokens at most.'),
        temperature: z.number().min(0).max(5).default(0).describe('0: the most likely token each time (the same answer every time); above 0 samples.'),
        requestId: JobId.describe('Chosen by the caller: the answer\'s pieces arrive as `generate` notices with this id while the call runs.'),
      })
      .strict(),
    output: z.object({ answer: GeneratedAnswer }),
  },
  'predict.text': {
    input: z.object({ target: PredictTarget, texts: z.array(z.string().max(100_000)).min(1).max(1000) }).strict(),
    output: z.object({ predictions: z.array(Prediction) }),
  },
  'predict.files': {
    input: z.object({ target: PredictTarget, files: z.array(FilePath.describe('An image or audio file, as a full path.')).min(1).max(1000) }).strict(),
    output: z.object({ predictions: z.array(FilePrediction) }),
  },
  'predict.folder': {
    input: z
      .object({
        target: PredictTarget,
        path: FilePath.describe('A folder of image or audio files (subfolders included).'),
        out: FilePath.describe('The CSV file to write: file, predicted_label, probability, low_confidence, error.'),
      })
      .strict(),
    output: FolderPredictionResult,
  },
  'predict.inspect': {
    input: z.object({ path: FilePath.describe('A CSV, TSV, JSONL or Parquet file to label.') }).strict(),
    output: z.object({ file: FileInspection }),
  },
  'predict.label': {
    input: z
      .object({
        target: PredictTarget,
        path: FilePath,
        column: z.string().min(1).max(1000).describe('The text column, as confirmed by the user.'),
        jobId: JobId,
      })
      .strict(),
    output: z.object({ result: LabelFileResult }),
  },
  'predict.cancel': { input: z.object({ jobId: JobId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'predict.save': {
    input: z.object({ jobId: JobId, folder: FilePath.describe('An existing folder, as a full path.'), format: LabelledFileFormat }).strict(),
    output: z.object({ path: z.string(), rows: z.number().int(), format: LabelledFileFormat }),
  },
  'predict.file': {
    input: z
      .object({
        target: PredictTarget,
        path: FilePath.describe('A CSV, TSV, JSONL or Parquet file.'),
        out: FilePath.describe('Where to write the predictions: .csv, .tsv or .jsonl.'),
        column: z.string().min(1).optional().describe('The text column; detected as on import when left out.'),
      })
      .strict(),
    output: z.object({
      out: z.string(),
      rows: z.number().int(),
      column: z.string(),
      labelCounts: z.record(z.string(), z.number()),
      lowConfidenceRows: z.number().int(),
    }),
  },
} as const;
