/** Entry point of dataset import: one streaming pass that hashes, parses, profiles and detects. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ColumnProfile, DatasetFormat, Detection } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { detect, type ColumnChoice } from './detect.ts';
import type { NormalizedWriter } from './normalized-writer.ts';
import { importParquetFile } from './parquet-reader.ts';
import { formatFromPath } from './sniff.ts';
import { importTextFile } from './text-import.ts';

/** Everything Airlock learns about a dataset file. */
export interface DatasetAnalysis {
  format: DatasetFormat;
  rows: number;
  bytes: number;
  /** SHA-256 of the original bytes, hex. */
  sha256: string;
  encoding: 'utf-8' | 'latin-1';
  delimiter: string | null;
  columns: ColumnProfile[];
  detection: Detection;
  /** The first 20 rows, as text. */
  preview: Record<string, string>[];
  /** True when the trainer cannot read the original as-is (Latin-1, a byte order mark, a delimiter other than a comma). */
  needsNormalizedCopy: boolean;
}

/** Options of {@link analyzeDatasetFile}. */
export interface AnalyzeOptions {
  /** Where to write the UTF-8, comma-delimited copy when one is needed; nothing is written there otherwise or on failure. */
  normalizedOutPath?: string;
  /** Called with the fraction of the file read so far, from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Detect only the text column: the file holds rows to predict, without labels. */
  textOnly?: boolean;
  /** Text and label columns chosen by the user instead of detected. */
  columns?: ColumnChoice;
}

/**
 * Reads a CSV, TSV, JSON Lines or Parquet file once and describes it; throws AirlockError with a
 * stable code when the file cannot be used for training.
 */
export async function analyzeDatasetFile(path: string, options: AnalyzeOptions = {}): Promise<DatasetAnalysis> {
  try {
    return await analyze(path, options);
  } catch (error) {
    throw asAirlockError(error, path);
  }
}

async function analyze(path: string, options: AnalyzeOptions): Promise<DatasetAnalysis> {
  const bytes = await fileSize(path);
  const named = formatFromPath(path);
  if (bytes === 0) {
    throw new AirlockError('DATASET_EMPTY', `${basename(path)} is empty.`, { hint: 'Pick a file with a header line and at least one row of examples.' });
  }
  if (named === 'parquet') {
    const { sha256, table } = await importParquetFile(path, bytes, options.onProgress);
    const stats = table.finish();
    const detection = detect(stats, { rows: table.rows, convertedBytes: 0, textOnly: options.textOnly }, options.columns);
    options.onProgress?.(1);
    const columns = stats.map((column) => column.profile);
    return { format: 'parquet', rows: table.rows, bytes, sha256, encoding: 'utf-8', delimiter: null, columns, detection, preview: table.preview, needsNormalizedCopy: false };
  }

  const output: { writer?: NormalizedWriter } = {};
  try {
    const result = await importTextFile(path, bytes, named, options, output);
    const stats = result.table.finish();
    const detection = detect(stats, { rows: result.table.rows, convertedBytes: result.convertedBytes, textOnly: options.textOnly }, options.columns);
    if (output.writer) {
      await output.writer.commit();
      output.writer = undefined;
    }
    options.onProgress?.(1);
    return {
      format: result.format,
      rows: result.table.rows,
      bytes,
      sha256: result.sha256,
      encoding: result.convertedBytes > 0 ? 'latin-1' : 'utf-8',
      delimiter: result.delimiter,
      columns: stats.map((column) => column.profile),
      detection,
      preview: result.table.preview,
      needsNormalizedCopy: result.needsNormalizedCopy,
    };
  } finally {
    await output.writer?.discard();
  }
}

async function fileSize(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isFile()) {
    throw new AirlockError('FILE_UNREADABLE', `${path} is a folder, not a file.`, { hint: 'Pick the data file itself.' });
  }
  return info.size;
}

/** File-system failures become FILE_NOT_FOUND or FILE_UNREADABLE; a full disk and real bugs pass through to toErrorShape. */
function asAirlockError(error: unknown, path: string): unknown {
  if (error instanceof AirlockError) return error;
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new AirlockError('FILE_NOT_FOUND', `There is no file at ${path}.`, { hint: 'Check the path; the file may have been moved or renamed.' });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EIO' || code === 'EISDIR' || code === 'EBUSY') {
    return new AirlockError('FILE_UNREADABLE', `Airlock cannot read ${path} (${code}).`, {
      hint: 'Check that you have permission to read the file and that it is not locked by another program.',
    });
  }
  return error;
}
