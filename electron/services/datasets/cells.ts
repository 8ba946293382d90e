/** The one canonical form of a table cell, shared by profiling, previews and the canonical table. */
import { AirlockError } from '../../../schemas/errors.ts';

/** A JSON number kept as its exact source text ("1e999", "-0", "9007199254740993"): no float round trip. */
export class SourceNumber {
  constructor(readonly text: string) {}
}

/**
 * A cell as import reads it: null when missing (an empty or whitespace-only CSV field, a JSON null
 * or absent key), the value's text, or the items of a native list (JSON or Parquet array).
 */
export type Cell = string | string[] | null;

/** Deepest nesting a value may have; deeper JSON is refused rather than recursed into. */
export const MAX_NESTING = 64;

/** The cell of a CSV field: whitespace-only is missing, anything else is kept exactly. */
export function textCell(field: string): Cell {
  return isBlank(field) ? null : field;
}

/** True for an empty or whitespace-only string, the only text that counts as missing. */
export function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/** The cell of a decoded JSON or Parquet value, keeping numbers' source text where the reader kept it. */
export function nativeCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return textCell(value);
  if (Array.isArray(value)) return value.map((item) => scalarText(item, 1));
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  return scalarText(value, 0);
}

/** Text of one value: strings as-is, numbers as written, anything nested as compact JSON. */
export function scalarText(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (value instanceof SourceNumber) return value.text;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return compactJson(value, depth);
}

/** Compact JSON of a nested value, iterating no deeper than MAX_NESTING. */
function compactJson(value: unknown, depth: number): string {
  if (depth >= MAX_NESTING) {
    throw new AirlockError('DATASET_FIELD_TOO_LARGE', `A value is nested more than ${MAX_NESTING} levels deep.`, {
      hint: 'A dataset cell holds text, a number or a list of labels; flatten deeply nested values before importing.',
    });
  }
  if (value instanceof SourceNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => compactJson(item, depth + 1)).join(',')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([key, item]) => `${JSON.stringify(String(key))}:${compactJson(item, depth + 1)}`).join(',')}}`;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${compactJson(item, depth + 1)}`).join(',')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : scalarText(value, depth);
}

/** Text of a cell for previews: lists as JSON arrays. */
export function cellPreviewText(cell: Cell): string {
  if (cell === null) return '';
  return typeof cell === 'string' ? cell : JSON.stringify(cell);
}
