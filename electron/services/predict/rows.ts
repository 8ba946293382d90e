/**
 * The rows of a file to label, read in Node and handed to the model worker as texts: Python never
 * parses a user's file. Import's reader checks and describes the file first (analyzeDatasetFile, one
 * streaming pass, writing its normalized copy when the original needs one); the rows are then streamed
 * from that copy or the original, a batch at a time, so a large file is never held whole.
 *
 * When import writes the canonical table (notes/CANONICAL.md), `streamRows` becomes a reader of
 * table.jsonl: each line is already the array of one row's values in column order.
 */
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { FileInspection } from '../../../schemas/predict.ts';
import { analyzeDatasetFile } from '../datasets/analyze.ts';
import { CsvParser } from '../datasets/csv-reader.ts';
import { JsonlParser } from '../datasets/jsonl-reader.ts';
import { formatFromPath } from '../datasets/sniff.ts';

/** A file checked and described, and where its rows can be streamed from. */
export interface RowFile {
  inspection: FileInspection;
  /** What `streamRows` reads: the original, or import's normalized copy of it. */
  dataPath: string;
  /** How `dataPath` is read. */
  reading: 'csv' | 'tsv' | 'jsonl' | 'parquet';
}

const PREVIEW_ROWS = 5;

/**
 * Reads `path` once to check and describe it; when `copyFolder` is given, the normalized copy (if the
 * original needs one) is written there for {@link streamRows}.
 */
export async function openRowFile(path: string, options: { copyFolder?: string; onProgress?: (fraction: number) => void } = {}): Promise<RowFile> {
  const named = formatFromPath(path);
  const copy = options.copyFolder ? join(options.copyFolder, named === 'jsonl' ? 'data.jsonl' : 'data.csv') : undefined;
  const analysis = await analyzeDatasetFile(path, { normalizedOutPath: copy, textOnly: true, onProgress: options.onProgress });
  const useCopy = analysis.needsNormalizedCopy && copy !== undefined;
  const reading = analysis.format === 'parquet' ? 'parquet' : analysis.format === 'jsonl' ? 'jsonl' : useCopy || analysis.delimiter !== '\t' ? 'csv' : 'tsv';
  return {
    inspection: {
      path,
      fileName: basename(path),
      format: analysis.format,
      rows: analysis.rows,
      columns: analysis.columns.map((column) => column.name),
      textColumn: analysis.detection.textColumn,
      preview: analysis.preview.slice(0, PREVIEW_ROWS),
    },
    dataPath: useCopy ? copy! : path,
    reading,
  };
}

/**
 * The file's rows in batches of at most `batchSize`, each row its values in `columns` order (null where
 * a record has no such key). CSV values are strings; JSON and Parquet values are as decoded.
 */
export async function* streamRows(file: RowFile, batchSize: number): AsyncGenerator<unknown[][]> {
  const columns = file.inspection.columns;
  if (file.reading === 'parquet') {
    yield* parquetRows(file.dataPath, columns, batchSize);
    return;
  }
  let batch: unknown[][] = [];
  const ready: unknown[][][] = [];
  const add = (row: unknown[]) => {
    batch.push(row);
    if (batch.length >= batchSize) {
      ready.push(batch);
      batch = [];
    }
  };
  let header = true;
  const parser =
    file.reading === 'jsonl'
      ? new JsonlParser((record) => add(columns.map((name) => (Object.hasOwn(record, name) ? record[name] : null))))
      : new CsvParser(file.reading === 'tsv' ? '\t' : ',', (fields) => {
          if (header) header = false;
          else add(fields);
        });
  const stream = createReadStream(file.dataPath, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      parser.push(first && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk);
      first = false;
      // One chunk's rows at most are held: the caller predicts each batch before the next chunk is read.
      while (ready.length) yield ready.shift()!;
    }
    parser.end();
  } finally {
    stream.destroy();
  }
  while (ready.length) yield ready.shift()!;
  if (batch.length) yield batch;
}

async function* parquetRows(path: string, columns: string[], batchSize: number): AsyncGenerator<unknown[][]> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[] = [];
    await parquetRead({ file, metadata, rowStart, rowEnd, rowFormat: 'object', compressors, onComplete: (read) => (rows = read as Record<string, unknown>[]) });
    for (let start = 0; start < rows.length; start += batchSize) {
      yield rows.slice(start, start + batchSize).map((row) => columns.map((name) => (Object.hasOwn(row, name) ? row[name] : null)));
    }
    rowStart = rowEnd;
  }
}

/** A value as the text a model reads and a CSV cell holds: missing is empty, lists and records are JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(jsonValue(value));
}

/** A value JSON can carry unchanged in meaning: big integers beyond 2^53 as their digits, dates as ISO text, bytes as base64. */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') {
    // Built as entries and rebuilt with defineProperty: a key named __proto__ is data, not a prototype.
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) Object.defineProperty(out, key, { value: jsonValue(inner), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
