import { z } from 'zod';
import { ModelTask, SftFormat } from './config.ts';

export const DatasetFormat = z.enum(['csv', 'tsv', 'jsonl', 'parquet', 'image-folder', 'audio-folder']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

export const ColumnType = z.enum(['text', 'category', 'integer', 'number', 'boolean', 'list', 'empty']);

/** Profile of one column, computed while streaming the file once. */
export const ColumnProfile = z.object({
  name: z.string(),
  type: ColumnType,
  distinct: z.number().int().describe('Distinct non-missing values (capped: see distinctCapped).'),
  distinctCapped: z.boolean().describe('True when there were more distinct values than Airlock counts exactly.'),
  missing: z.number().int().describe('Rows where the value is empty or absent.'),
  textLength: z
    .object({ min: z.number(), p50: z.number(), p95: z.number(), max: z.number(), mean: z.number() })
    .nullable()
    .describe('Character length percentiles of the non-missing values.'),
  samples: z.array(z.string()).describe('A few example values.'),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const LabelCount = z.object({ label: z.string(), count: z.number().int() });

export const DatasetWarning = z.object({
  code: z.enum([
    'ENCODING_CONVERTED',
    'LABEL_CASE_VARIANTS',
    'LABEL_SPELLINGS_MERGED',
    'LABEL_LOOKS_MISSING',
    'LABEL_VECTOR_POSITIONS',
    'LABEL_IMBALANCED',
    'LABEL_RARE_CLASSES',
    'LABELS_MISSING_SOME',
    'TEXT_DUPLICATES',
    'TEXT_EMPTY_SOME',
    'ID_COLUMNS_IGNORED',
    'MEDIA_FILES_LEFT_OUT',
    'MEDIA_FILES_IGNORED',
    'MEDIA_LEAKAGE',
    'MEDIA_DUPLICATES',
    'MEDIA_CONVERTED',
    'MEDIA_ROTATED',
    'MEDIA_RESAMPLED',
    'MEDIA_DOWNMIXED',
    'SFT_ROWS_TOO_LONG',
  ]),
  message: z.string(),
});
export type DatasetWarning = z.infer<typeof DatasetWarning>;

/** The supervised fine-tuning shape found in a table (detection.task causal_lm), and the columns it reads. */
export const SftDetection = z.object({
  format: SftFormat,
  promptColumn: z.string().nullable(),
  inputColumn: z.string().nullable(),
  completionColumn: z.string().nullable(),
  messagesColumn: z.string().nullable(),
  textColumn: z.string().nullable(),
  chatRoles: z.record(z.string(), z.number().int()).nullable().describe('chat: turns per role over all rows.'),
});
export type SftDetection = z.infer<typeof SftDetection>;

/** What Airlock worked out about the data: what to read, what to predict, and what looks wrong. */
export const Detection = z.object({
  modality: z.enum(['text', 'image', 'audio', 'tabular']),
  task: ModelTask,
  textColumn: z.string().nullable(),
  labelColumn: z.string().nullable(),
  labels: z.array(LabelCount).describe('Label set with counts, most frequent first (empty for regression).'),
  idColumns: z.array(z.string()).describe('Columns that look like row identifiers and are ignored.'),
  balance: z.number().min(0).max(1).nullable().describe('Smallest class count divided by largest (1 = perfectly balanced).'),
  sft: SftDetection.nullable()
    .default(null)
    .describe('For data a causal language model learns to write (task causal_lm): its shape and columns; null otherwise.'),
  warnings: z.array(DatasetWarning),
});
export type Detection = z.infer<typeof Detection>;

const Percentiles = z.object({ min: z.number(), p50: z.number(), p95: z.number(), max: z.number(), mean: z.number() });

/** What an image or audio folder holds, beyond its labels. */
export const MediaProfile = z.object({
  kind: z.enum(['image', 'audio']),
  files: z.number().int().describe('Usable files (rows of the table).'),
  splits: z.array(z.enum(['train', 'validation', 'test'])).describe('Split folders found; empty when the folder has none.'),
  unusable: z.array(z.object({ file: z.string(), code: z.string(), reason: z.string() })).describe('Files left out because they cannot be decoded.'),
  image: z
    .object({ width: Percentiles, height: Percentiles, modes: z.record(z.string(), z.number()), formats: z.record(z.string(), z.number()) })
    .nullable()
    .describe('Pixel sizes (after EXIF rotation), colour modes and file formats, for images.'),
  audio: z
    .object({ seconds: Percentiles, sampleRates: z.record(z.string(), z.number()), channels: z.record(z.string(), z.number()) })
    .nullable()
    .describe('Clip durations (seconds), sample rates (Hz) and channel counts, for audio.'),
});
export type MediaProfile = z.infer<typeof MediaProfile>;

/** A dataset as stored in the data folder. */
export const Dataset = z.object({
  id: z.string(),
  name: z.string(),
  format: DatasetFormat,
  rows: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  sourcePath: z.string().describe('Where the file was imported from.'),
  dataPath: z.string().describe('The canonical table (table.jsonl) that the trainer, predict and every later step read.'),
  encoding: z.string().describe('Encoding of the original file (utf-8 or latin-1).'),
  delimiter: z.string().nullable(),
  columns: z.array(ColumnProfile),
  detection: Detection,
  preview: z.array(z.record(z.string(), z.string())).describe('The first rows, as text.'),
  media: MediaProfile.optional().describe('For image and audio folders: what the files hold.'),
  createdAt: z.string(),
});
export type Dataset = z.infer<typeof Dataset>;
