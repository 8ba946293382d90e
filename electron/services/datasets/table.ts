/** Rows of any format flow into one table: column profiles, preview, row count and the canonical rows. */
import { AirlockError } from '../../../schemas/errors.ts';
import { cellPreviewText, nativeCell, textCell, type Cell } from './cells.ts';
import { SlotBudget } from './hash-set.ts';
import { MAX_COLUMNS, PREVIEW_CELL_CHARS, PREVIEW_ROWS } from './limits.ts';
import { ColumnAccumulator, type ColumnStats } from './profile.ts';

/** Receives each row's cells in column order (JSON records may add columns later: shorter rows lack them). */
export interface RowSink {
  push(cells: Cell[]): void;
  /** Resolves once the rows pushed so far are written: readers await it per chunk, so memory stays bounded. */
  drain(): Promise<void>;
}

/**
 * Collects rows; the header fixes the columns for CSV, JSON and Parquet records may add columns as
 * they go. Rows are arrays indexed by column position, so any string (`__proto__`, "") is a column name.
 */
export class TableBuilder {
  private readonly budget = new SlotBudget();
  private readonly columns: ColumnAccumulator[] = [];
  private readonly index = new Map<string, number>();
  /** Record keys as written in the file, to their column: a blank key maps to its renamed column. */
  private readonly keys = new Map<string, number>();
  private readonly previewCells: Cell[][] = [];
  rows = 0;

  constructor(private readonly sink?: RowSink) {}

  /** Waits until the rows added so far have been written by the sink. */
  async drain(): Promise<void> {
    await this.sink?.drain();
  }

  /** Column names in file order. */
  get names(): string[] {
    return this.columns.map((column) => column.name);
  }

  /** The first rows, as text keyed by column name. */
  get preview(): Record<string, string>[] {
    return this.previewCells.map((cells) => Object.fromEntries(this.columns.map((column, i) => [column.name, previewCell(cells[i] ?? null)])));
  }

  /** Sets the columns from a header: blank names become "Unnamed: i" (as pandas names them); duplicates fail. */
  setHeader(fields: string[]): string[] {
    const names = fields.map((name, i) => columnName(name, i));
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const name of names) (seen.has(name) ? duplicates : seen).add(name);
    if (duplicates.size > 0) {
      const list = [...duplicates].map((name) => `"${name}"`).join(', ');
      throw new AirlockError('DATASET_DUPLICATE_HEADERS', `The header names ${duplicates.size === 1 ? 'a column' : 'columns'} more than once: ${list}.`, {
        hint: 'Give every column a different name in the first line of the file.',
        details: [...duplicates],
      });
    }
    names.forEach((name, i) => this.keys.set(fields[i], this.addColumn(name)));
    return names;
  }

  /** Adds a CSV row; a row whose field count differs from the header fails with its line number. */
  addTextRow(fields: string[], line: number): void {
    const expected = this.columns.length;
    if (fields.length !== expected) {
      throw new AirlockError('DATASET_RAGGED_ROWS', `Line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${expected}.`, {
        hint: `Look at line ${line}: a value containing the delimiter must be quoted, and no field may be missing or extra.`,
        field: `line ${line}`,
      });
    }
    this.addCells(fields.map(textCell));
  }

  /**
   * Adds a JSON or Parquet record given as [name, value] pairs (see cells.ts for the values), adding
   * any column not seen before. A blank name is renamed as in `setHeader`, in the header and the data alike.
   */
  addRecord(entries: Iterable<[string, unknown]>): void {
    const cells: Cell[] = new Array(this.columns.length).fill(null);
    for (const [key, value] of entries) {
      let position = this.keys.get(key);
      if (position === undefined) {
        const name = columnName(key, this.columns.length);
        position = this.index.get(name) ?? this.addColumn(name);
        this.keys.set(key, position);
      }
      cells[position] = nativeCell(value);
    }
    this.addCells(cells);
  }

  /** Adds a row of decoded values in header order (Parquet rows read as arrays). */
  addValues(values: unknown[]): void {
    this.addCells(this.columns.map((_, i) => nativeCell(values[i])));
  }

  /** Profiles of every column, once all rows are in. */
  finish(): ColumnStats[] {
    return this.columns.map((column) => column.finish(this.rows));
  }

  private addCells(cells: Cell[]): void {
    for (let i = 0; i < cells.length; i++) this.columns[i].addCell(cells[i], this.rows);
    if (this.previewCells.length < PREVIEW_ROWS) this.previewCells.push(cells);
    this.sink?.push(cells);
    this.rows++;
  }

  private addColumn(name: string): number {
    if (this.columns.length >= MAX_COLUMNS) {
      throw new AirlockError('INVALID_INPUT', `The file has more than ${MAX_COLUMNS} columns, which is not a text dataset Airlock can use.`, {
        hint: 'Keep only the text and label columns and import again.',
      });
    }
    this.columns.push(new ColumnAccumulator(name, this.budget));
    this.index.set(name, this.columns.length - 1);
    return this.columns.length - 1;
  }
}

/** A blank column name becomes "Unnamed: <position>", as pandas names it. */
function columnName(name: string, position: number): string {
  return name.trim() === '' ? `Unnamed: ${position}` : name;
}

function previewCell(cell: Cell): string {
  const text = cellPreviewText(cell);
  return text.length > PREVIEW_CELL_CHARS ? `${text.slice(0, PREVIEW_CELL_CHARS)}…` : text;
}
