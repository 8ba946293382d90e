/**
 * Writing CSV and TSV that a spreadsheet opens as data, never as formulas (CSV injection).
 *
 * Excel, LibreOffice Calc and Google Sheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return as a formula (OWASP "CSV Injection"; ASVS 1.2.10 adds the NUL character). A model
 * trained on hostile labels predicts them, and input rows are copied through, so every cell of every
 * CSV/TSV Airlock writes goes through {@link safeCell}:
 *
 * - such a cell gets one single quote in front (`=1+1` is written `'=1+1`), which spreadsheets take as
 *   "this is text";
 * - a cell that already starts with a single quote gets one more, so the rule can be undone without
 *   guessing: remove one leading `'` from every cell that has one ({@link originalCell});
 * - a cell that is exactly a plain decimal number (`-3.5`, `+2`, `-1e-9`) is left alone. A number literal
 *   evaluates to itself and calls nothing, and quoting it would turn every negative value (a regression
 *   prediction, a temperature) into text that no longer sums or sorts. Anything more (`-3.5+1`,
 *   `-2+3+cmd|' /C calc'!A0`, `- 3`) is quoted.
 *
 * Fields are then quoted as RFC 4180 says (delimiter, quote, CR or LF inside: wrapped in double quotes,
 * inner quotes doubled). JSON Lines output is never altered: it is where the exact values live.
 */

const FORMULA_START = /^[=+\-@\t\r\0]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as written to a CSV/TSV: a leading `'` added where a spreadsheet would run it or where one already leads. */
export function safeCell(text: string): string {
  if (text.startsWith("'")) return `'${text}`;
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) return `'${text}`;
  return text;
}

/** Undoes {@link safeCell}: the value as it was before it was written. */
export function originalCell(written: string): string {
  return written.startsWith("'") ? written.slice(1) : written;
}

/** One record of `delimiter`-separated text, every cell made safe and quoted where needed, ending in CRLF-free `\n`. */
export function delimitedRecord(cells: readonly string[], delimiter: ',' | '\t'): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = safeCell(cells[i]);
    if (i > 0) line += delimiter;
    line += cell.includes(delimiter) || /["\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
  }
  // A single empty field would be a blank line, which readers skip: quote it.
  if (cells.length === 1 && line === '') line = '""';
  return `${line}\n`;
}

/** A note for people opening the file, in the words of the rule above. */
export const SAFE_CELLS_NOTE =
  "Cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return, other than plain numbers) and cells starting with ' were written with one ' in front; remove one leading ' to get the original value. The JSON Lines output holds every value unchanged.";
