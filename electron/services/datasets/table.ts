/** Rows of any format flow into one table: column profiles, preview and row count. */
import { AirlockError } from '../../../schemas/errors.ts';
import { SlotBudget } from './hash-set.ts';
import { MAX_COLUMNS, PREVIEW_CELL_CHARS, PREVIEW_ROWS } from './limits.ts';
import { cellText, ColumnAccumulator, type ColumnStats } from './profile.ts';

/** Collects rows; the header fixes the columns for CSV, JSON records may add columns as they go. */
export class TableBuilder {
  private readonly budget = new SlotBudget();
  private readonly columns: ColumnAccumulator[] = [];
  private readonly index = new Map<string, number>();
  rows = 0;
  readonly preview: Record<string, string>[] = [];

  /** Column names in file order. */
  get names(): string[] {
    return this.columns.map((column) => column.name);
  }

  /** Sets the columns from a CSV header: blank names become "Unnamed: i" (as pandas names them); duplicates fail. */
  setHeader(fields: string[]): string[] {
    const names = fields.map((name, i) => (name.trim() === '' ? `Unnamed: ${i}` : name));
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
    for (const name of names) this.addColumn(name);
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
    for (let i = 0; i < expected; i++) this.columns[i].addText(fields[i]);
    if (this.preview.length < PREVIEW_ROWS) {
      this.preview.push(Object.fromEntries(this.columns.map((column, i) => [column.name, previewCell(fields[i])])));
    }
    this.rows++;
  }

  /** Adds a JSON or Parquet record, adding any column not seen before. */
  addRecord(record: Record<string, unknown>): void {
    for (const key in record) {
      let position = this.index.get(key);
      if (position === undefined) position = this.addColumn(key);
      this.columns[position].addNative(record[key]);
    }
    if (this.preview.length < PREVIEW_ROWS) {
      this.preview.push(Object.fromEntries(Object.entries(record).map(([key, value]) => [key, previewCell(cellText(value))])));
    }
    this.rows++;
  }

  /** Profiles of every column, once all rows are in. */
  finish(): ColumnStats[] {
    // JSON records may lack keys: give every preview row every column, in column order
    for (let r = 0; r < this.preview.length; r++) {
      const row = this.preview[r];
      this.preview[r] = Object.fromEntries(this.columns.map((column) => [column.name, row[column.name] ?? '']));
    }
    return this.columns.map((column) => column.finish(this.rows));
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

function previewCell(text: string): string {
  return text.length > PREVIEW_CELL_CHARS ? `${text.slice(0, PREVIEW_CELL_CHARS)}…` : text;
}
