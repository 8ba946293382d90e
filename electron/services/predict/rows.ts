/**
 * The rows of a file to label, read in Node and handed to the model worker as texts: Python never
 * parses a user's file. Import's reader reads the file once (analyzeDatasetFile) and writes its
 * canonical table; the rows are then streamed from that table a batch at a time, so a large file is
 * never held whole, and the texts the model sees are exactly those import showed.
 */
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FileInspection } from '../../../schemas/predict.ts';
import { analyzeDatasetFile } from '../datasets/analyze.ts';
import { TABLE_FILE } from '../datasets/canonical-table.ts';
import type { Cell } from '../datasets/cells.ts';

/** A file checked and described, and the canonical table its rows are streamed from. */
export interface RowFile {
  inspection: FileInspection;
  /** The canonical table (table.jsonl) written by import, or null when only inspected. */
  tablePath: string | null;
  /** Per column: the file held numbers there (written back to JSON Lines as numbers). */
  numeric: boolean[];
}

const PREVIEW_ROWS = 5;

/**
 * Reads `path` once to check and describe it; with `tableFolder`, its canonical table is written there
 * for {@link streamRows}.
 */
export async function openRowFile(path: string, options: { tableFolder?: string; onProgress?: (fraction: number) => void } = {}): Promise<RowFile> {
  const analysis = await analyzeDatasetFile(path, { tableDir: options.tableFolder, textOnly: true, onProgress: options.onProgress });
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
    tablePath: options.tableFolder ? join(options.tableFolder, TABLE_FILE) : null,
    // JSON and Parquet numbers go back out as numbers; CSV cells were text and stay text
    numeric: analysis.columns.map((column) => analysis.format !== 'csv' && analysis.format !== 'tsv' && (column.type === 'integer' || column.type === 'number')),
  };
}

/** The table's rows in batches of at most `batchSize`, each row its cells in column order. */
export async function* streamRows(file: RowFile, batchSize: number): AsyncGenerator<Cell[][]> {
  if (!file.tablePath) throw new Error('streamRows needs a file opened with a table folder');
  const width = file.inspection.columns.length; // derived label columns follow the real ones: not part of a row
  const lines = createInterface({ input: createReadStream(file.tablePath, { encoding: 'utf8' }), crlfDelay: Infinity });
  let batch: Cell[][] = [];
  for await (const line of lines) {
    batch.push((JSON.parse(line) as Cell[]).slice(0, width));
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A cell of a numeric column as a JSON number when it reads back exactly so ("0", "3.5"); otherwise as its text. */
export function typedCell(cell: Cell, numeric: boolean): unknown {
  if (!numeric || typeof cell !== 'string' || !JSON_NUMBER.test(cell)) return cell;
  const number = Number(cell);
  return String(number) === cell ? number : cell;
}

/** A cell (or a JSON number put back by {@link typedCell}) as the text a model reads and a CSV cell holds: missing is empty, lists are JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
