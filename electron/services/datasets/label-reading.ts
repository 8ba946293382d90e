/**
 * How a column's cells become labels: canonical number spellings, and the list forms people save
 * (JSON lists, Python list text, 0/1 vectors, separated text). Profiling counts labels through these
 * functions and the canonical table is written through them, so what import shows is what is trained.
 */
import { isBlank, type Cell } from './cells.ts';

/** How the cells of a column are read as labels (a derived label column of the canonical table). */
export type LabelReading =
  | { kind: 'text' }
  | { kind: 'number' }
  | { kind: 'list' }
  | { kind: 'vector'; width: number }
  | { kind: 'separated'; separator: string };

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/;
/** Integers up to this many digits are written out in full; larger or smaller magnitudes use an exponent. */
const PLAIN_DIGITS = 30;

/**
 * The canonical spelling of a number written as text, without a float round trip: "01", "1.0" and
 * "1e0" are "1"; "-0" is "0"; 9007199254740993 stays itself; "1e999" stays "1e999". Null when the
 * text is not a plain decimal number.
 */
export function canonicalNumber(text: string): string | null {
  const match = NUMBER.exec(text.trim());
  if (!match) return null;
  const [, sign, whole, fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return null;
  let digits = (whole + fraction).replace(/^0+/, '');
  let exponent = Number(exponentText ?? 0) - fraction.length;
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  const negative = sign === '-' ? '-' : '';
  if (exponent >= 0 && digits.length + exponent <= PLAIN_DIGITS) return negative + digits + '0'.repeat(exponent);
  if (exponent < 0 && -exponent <= PLAIN_DIGITS) {
    const point = digits.length + exponent;
    return negative + (point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`);
  }
  const scientific = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${negative}${scientific}e${exponent + digits.length - 1}`;
}

/** The items of a cell written as a list: a JSON array of scalars, or Python list text as `DataFrame.to_csv` writes it. */
export function parseListText(text: string): { items: string[]; form: 'json' | 'python' } | null {
  const trimmed = text.trim();
  if (trimmed.length < 2 || trimmed[0] !== '[' || trimmed[trimmed.length - 1] !== ']' || trimmed.length > 10_000) return null;
  const json = jsonList(trimmed);
  if (json) return { items: json, form: 'json' };
  const python = pythonList(trimmed);
  return python ? { items: python, form: 'python' } : null;
}

function jsonList(text: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return null;
    // numbers keep their source spelling: re-read them from the text rather than from the float
    return parsed.some((item) => typeof item === 'number') ? pythonList(text) : parsed.map(String);
  } catch {
    return null;
  }
}

const PY_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
const BARE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|True|False|true|false)$/;

/**
 * Python list text of strings, numbers and booleans (`['a', "b's", 3]`), parsed by a small scanner:
 * never evaluated. Null when the text is anything else.
 */
function pythonList(text: string): string[] | null {
  const items: string[] = [];
  let i = 1;
  const end = text.length - 1;
  const skipSpace = () => {
    while (i < end && /\s/.test(text[i])) i++;
  };
  skipSpace();
  if (i === end) return items;
  for (;;) {
    skipSpace();
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= end) return null;
        const c = text[i];
        if (c === quote) break;
        if (c === '\\') {
          const escaped = PY_ESCAPES[text[i + 1]];
          if (escaped === undefined) return null;
          value += escaped;
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      items.push(value);
    } else {
      const start = i;
      while (i < end && text[i] !== ',' && !/\s/.test(text[i])) i++;
      const bare = text.slice(start, i);
      if (!BARE.test(bare)) return null;
      items.push(/^(?:True|False)$/.test(bare) ? bare.toLowerCase() : bare);
    }
    skipSpace();
    if (i === end) return items;
    if (text[i] !== ',') return null;
    i++;
    skipSpace();
    if (i === end) return items; // a trailing comma, as Python allows
  }
}

/** True when every item is a 0 or a 1: the list may be a fixed-length indicator vector. */
export function isIndicatorVector(items: string[]): boolean {
  return items.length >= 2 && items.every((item) => canonicalNumber(item) === '0' || canonicalNumber(item) === '1');
}

/** Positional label names of an indicator vector, before `data.label_names` renames them. */
export function vectorLabel(position: number): string {
  return `label_${position}`;
}

/** Labels of one list, each once, in first-seen order. */
export function uniqueLabels(items: string[]): string[] {
  return [...new Set(items.filter((item) => !isBlank(item)))];
}

/** Labels of a separated cell such as "sports|politics". */
export function splitLabels(text: string, separator: string): string[] {
  return uniqueLabels(text.split(separator).map((token) => token.trim()));
}

/** The labels of one cell read with `reading`: a derived label column's cell. */
export function readLabelCell(cell: Cell, reading: LabelReading): Cell {
  if (cell === null) return cell;
  if (reading.kind === 'text') return typeof cell === 'string' ? cell : JSON.stringify(cell);
  if (reading.kind === 'number') return typeof cell === 'string' ? (canonicalNumber(cell) ?? cell) : cell;
  if (reading.kind === 'separated') return typeof cell === 'string' ? splitLabels(cell, reading.separator) : uniqueLabels(cell);
  const items = typeof cell === 'string' ? (parseListText(cell)?.items ?? [cell]) : cell;
  if (reading.kind === 'vector') return items.flatMap((item, i) => (canonicalNumber(item) === '1' ? [vectorLabel(i)] : []));
  return uniqueLabels(items);
}
