/** Entry point of dataset import: one streaming pass that hashes, parses, profiles, detects and writes the canonical table. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ColumnProfile, DatasetFormat, Detection } from '../../../schemas/dataset.ts';
import type { SftFormat } from '../../../schemas/config.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { RowSpool, type CountSpec, type DerivedLabels, type TableSchema } from './canonical-table.ts';
import { chooseText, detectWithChoice, sftDetection, type ColumnChoice } from './detect.ts';
import { columnReading, separatorOf } from './label-choice.ts';
import { importParquetFile } from './parquet-reader.ts';
import type { ColumnStats } from './profile.ts';
import { detectSft } from './sft-detect.ts';
import { SftRowCheck } from './sft-rows.ts';
import { formatFromPath } from './sniff.ts';
import { TableBuilder } from './table.ts';
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
  /** The canonical table's schema (written to `tableDir` when one was given); null when only inspected. */
  table: TableSchema | null;
}

/** What reading the file found, whatever its format. */
interface FileRead {
  format: DatasetFormat;
  sha256: string;
  convertedBytes: number;
  delimiter: string | null;
}

/** Options of {@link analyzeDatasetFile}. */
export interface AnalyzeOptions {
  /** Folder to write the canonical table into (table.jsonl, table.schema.json); nothing is left there on failure. */
  tableDir?: string;
  /** Called with the fraction of the file read so far, from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Detect only the text column: the file holds rows to predict, without labels. */
  textOnly?: boolean;
  /** Text and label columns chosen by the user instead of detected. */
  columns?: ColumnChoice;
  /** The fine-tuning shape the user chose (task causal_lm) instead of the detected one. */
  format?: SftFormat;
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
  // Rows are spooled to write the table, or to count the labels on the rows the trainer keeps; a file only
  // inspected for labelling needs neither, so it is read once and nothing is written.
  const spool = options.tableDir !== undefined || !options.textOnly ? await RowSpool.open(options.tableDir) : null;
  try {
    const table = new TableBuilder(spool ?? undefined);
    let read: FileRead;
    if (named === 'parquet') {
      read = { format: 'parquet', convertedBytes: 0, delimiter: null, ...(await importParquetFile(path, bytes, table, options.onProgress)) };
    } else {
      read = await importTextFile(path, bytes, named, table, options.onProgress);
    }
    const stats = table.finish();
    const context = { rows: table.rows, convertedBytes: read.convertedBytes, textOnly: options.textOnly };
    // Rows to predict are never fine-tuning data, and a user's own text and label columns mean classification.
    const sft = options.textOnly || (options.columns && !options.format) ? null : detectSft(stats, options.format, chooseText);
    if (sft) {
      const check = new SftRowCheck(sft, stats.map((column) => column.profile.name), basename(path));
      const schema = spool ? (await spool.finish(stats.map((column) => column.profile), [], null, basename(path), (cells, row) => check.check(cells, row))).schema : null;
      options.onProgress?.(1);
      return describe(read, table, bytes, stats, sftDetection(sft, context, check.roles), schema);
    }
    const chosen = detectWithChoice(stats, context, options.columns);
    const derived = derivedLabels(stats);
    const { schema, labelCounts } = spool
      ? await spool.finish(stats.map((column) => column.profile), derived, countSpec(stats, derived, chosen), basename(path))
      : { schema: null, labelCounts: null };
    // The labels shown are those counted in the canonical table, on the rows the trainer keeps.
    const detection = chosen.label ? detectWithChoice(stats, { ...context, labelCounts }, options.columns).detection : chosen.detection;
    options.onProgress?.(1);
    return describe(read, table, bytes, stats, detection, schema);
  } catch (error) {
    await spool?.discard();
    throw error;
  }
}

function describe(read: FileRead, table: TableBuilder, bytes: number, stats: ColumnStats[], detection: Detection, schema: TableSchema | null): DatasetAnalysis {
  return {
    format: read.format,
    rows: table.rows,
    bytes,
    sha256: read.sha256,
    encoding: read.convertedBytes > 0 ? 'latin-1' : 'utf-8',
    delimiter: read.delimiter,
    columns: stats.map((column) => column.profile),
    detection,
    preview: table.preview,
    table: schema,
  };
}

/** The label reading of every column whose labels differ from its text: numbers, lists, separated text. */
function derivedLabels(stats: ColumnStats[]): DerivedLabels[] {
  return stats.flatMap((column): DerivedLabels[] => {
    const reading = columnReading(column);
    if (reading.kind !== 'text') return [{ column: column.profile.name, reading }];
    const separator = separatorOf(column);
    return separator === null ? [] : [{ column: column.profile.name, reading: { kind: 'separated', separator } }];
  });
}

/** Where the chosen label's cells are in the canonical table, to count them. */
function countSpec(stats: ColumnStats[], derived: DerivedLabels[], chosen: ReturnType<typeof detectWithChoice>): CountSpec | null {
  const { label, text } = chosen;
  if (!label) return null;
  const own = stats.indexOf(label.column);
  const labelIndex = label.reading.kind === 'text' ? own : stats.length + derived.findIndex((entry) => entry.column === label.column.profile.name);
  return { textIndex: text ? stats.indexOf(text) : null, labelIndex, task: label.task };
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
