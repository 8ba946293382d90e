/**
 * The canonical table: the one reading of a dataset that everything after import uses (the trainer,
 * predict, the UI's counts). Rows are spooled while the file is read, then rewritten once the
 * columns' label readings are known (a column is numeric or a list only once every row is seen).
 *
 * table.jsonl holds one JSON array per row, a cell per column exactly as read: null (missing), a
 * string, or an array of strings (a native JSON or Parquet list). A chat's messages cell (fine-tuning data,
 * format chat) is stored as the compact JSON text of its list of {role, content}: a cell holds no objects. After the real columns come the
 * derived label columns, each one column's labels as import reads them (canonical numbers, label
 * lists). table.schema.json names both.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ColumnProfile, Detection } from '../../../schemas/dataset.ts';
import type { Cell } from './cells.ts';
import { readLabelCell, type LabelReading } from './label-reading.ts';
import { AtomicFileWriter } from './atomic-writer.ts';

/** File names inside a dataset folder. */
export const TABLE_FILE = 'table.jsonl';
export const SCHEMA_FILE = 'table.schema.json';
const SPOOL_FILE = 'rows.spool.jsonl';

/** A label column computed from another (canonical numbers, lists of labels), stored after the real columns. */
export interface DerivedLabels {
  column: string;
  reading: LabelReading;
}

/** What table.schema.json holds. */
export interface TableSchema {
  format: 'airlock-table';
  version: 1;
  rows: number;
  /** The name of the file the table was read from, for messages. */
  source: string;
  columns: { name: string; type: ColumnProfile['type'] }[];
  labels: { column: string; index: number; reading: LabelReading }[];
  /** For image and audio datasets: the kind, the folder (relative to the table) holding the files, and the column naming them. */
  media?: { kind: 'image' | 'audio'; files: string; column: string };
}

/** Which cells the label counts are taken from: rows with both a text (when any) and a label. */
export interface CountSpec {
  textIndex: number | null;
  labelIndex: number;
  task: Detection['task'];
}

/** Characters of rows buffered before a write to the spool is started. */
const SPOOL_FLUSH_CHARS = 256 * 1024;

/** Rows written as they are read, to a spool in `folder` (or a private temporary folder). */
export class RowSpool {
  private parts: string[] = [];
  private buffered = 0;
  /** Writes run one after another in this chain, so parsers can push rows without awaiting. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly writer: AtomicFileWriter,
    readonly folder: string,
    private readonly ownsFolder: boolean,
  ) {}

  /** Opens a spool; without `folder` it lives in a temporary folder removed by `discard`. */
  static async open(folder?: string): Promise<RowSpool> {
    const target = folder ?? (await mkdtemp(join(tmpdir(), 'airlock-table-')));
    return new RowSpool(await AtomicFileWriter.create(join(target, SPOOL_FILE)), target, folder === undefined);
  }

  /** Queues one row's cells; a write failure surfaces from `finish`. */
  push(cells: Cell[]): void {
    const line = `${JSON.stringify(cells)}\n`;
    this.parts.push(line);
    this.buffered += line.length;
    if (this.buffered >= SPOOL_FLUSH_CHARS) this.flush();
  }

  /** Resolves once every row pushed so far is written. */
  drain(): Promise<void> {
    if (this.buffered > 0) this.flush();
    return this.chain;
  }

  private flush(): void {
    const text = this.parts.join('');
    this.parts = [];
    this.buffered = 0;
    this.chain = this.chain.then(() => this.writer.write(text));
    this.chain.catch(() => undefined); // handled where the chain is awaited; never an unhandled rejection
  }

  /**
   * Rewrites the spool into table.jsonl and table.schema.json: the real columns' cells padded to the
   * full width, then the derived label columns; counts the labels `count` names. `check` sees every row's
   * real cells first (1-based row number), may throw, and may rewrite a cell into its stored form. The files
   * appear only when complete; with a temporary folder they are removed again (only the counts are wanted).
   */
  async finish(
    columns: ColumnProfile[],
    derived: DerivedLabels[],
    count: CountSpec | null,
    source: string,
    check?: (cells: Cell[], row: number) => void,
  ): Promise<{ schema: TableSchema; labelCounts: Map<string, number> | null }> {
    this.flush();
    await this.chain;
    await this.writer.commit();
    const spool = join(this.folder, SPOOL_FILE);
    const output = await AtomicFileWriter.create(join(this.folder, TABLE_FILE));
    const derivedIndex = derived.map((entry) => columns.findIndex((column) => column.name === entry.column));
    const counts = count && count.task !== 'regression' ? new Map<string, number>() : null;
    let rows = 0;
    try {
      const lines = createInterface({ input: createReadStream(spool, { encoding: 'utf8' }), crlfDelay: Infinity });
      for await (const line of lines) {
        const raw = JSON.parse(line) as Cell[];
        const cells: Cell[] = columns.map((_, i) => raw[i] ?? null);
        check?.(cells, rows + 1);
        derived.forEach((entry, k) => cells.push(readLabelCell(raw[derivedIndex[k]] ?? null, entry.reading)));
        if (counts && count) countLabels(cells, count, counts);
        await output.write(`${JSON.stringify(cells)}\n`);
        rows++;
      }
      await output.commit();
    } finally {
      await output.discard();
      await rm(spool, { force: true });
    }
    const schema: TableSchema = {
      format: 'airlock-table',
      version: 1,
      rows,
      source,
      columns: columns.map((column) => ({ name: column.name, type: column.type })),
      labels: derived.map((entry, k) => ({ column: entry.column, index: columns.length + k, reading: entry.reading })),
    };
    if (this.ownsFolder) await rm(this.folder, { recursive: true, force: true });
    else await writeFile(join(this.folder, SCHEMA_FILE), `${JSON.stringify(schema, null, 1)}\n`);
    return { schema, labelCounts: counts };
  }

  /** Removes the spool (and a temporary folder) after a failure. */
  async discard(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.writer.discard();
    if (this.ownsFolder) await rm(this.folder, { recursive: true, force: true });
  }
}

/** Adds one row's labels: each label once per row, and only rows the trainer keeps (text and label present). */
function countLabels(cells: Cell[], spec: CountSpec, counts: Map<string, number>): void {
  if (spec.textIndex !== null && cells[spec.textIndex] === null) return;
  const label = cells[spec.labelIndex];
  if (label === null) return;
  for (const name of typeof label === 'string' ? [label] : label) counts.set(name, (counts.get(name) ?? 0) + 1);
}
