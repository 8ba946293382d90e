/** Streaming RFC 4180 parser that reads quoting the way pandas does, with line numbers for errors. */
import { AirlockError } from '../../../schemas/errors.ts';
import { MAX_COLUMNS, MAX_FIELD_CHARS } from './limits.ts';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  AfterCarriageReturn,
}

/** A quoted field spanning more lines than this before hitting the size cap is an unclosed quote. */
const UNCLOSED_QUOTE_LINES = 100;

/**
 * Parses delimited text pushed in chunks and calls `onRow` with each record's fields and the line
 * it starts on. Blank lines are skipped (as pandas does); text after a closing quote is kept,
 * and a quote inside an unquoted field is an ordinary character (also as pandas does).
 */
export class CsvParser {
  /** Most fields a row may have before parsing stops. */
  maxFields = MAX_COLUMNS;
  private state = State.FieldStart;
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  private line = 1;
  private rowLine = 1;
  private quoteLine = 1;
  private fieldLines = 0;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRow: (fields: string[], line: number) => void,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the next piece of text. */
  push(text: string): void {
    const delimiter = this.delimiter;
    const n = text.length;
    let start = 0; // where the pending part of the current field begins in `text`
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.AfterCarriageReturn:
          this.line++;
          this.state = State.FieldStart;
          if (c === LF) break;
        // a lone carriage return ends the line too; read this character as the start of the next
        // falls through
        case State.FieldStart:
          if (this.fields.length === 0 && this.field === '' && !this.quoted) this.rowLine = this.line;
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.quoted = true;
            this.quoteLine = this.line;
            this.fieldLines = 0;
            start = i + 1;
          } else start = this.afterField(c, i, start);
          break;
        case State.Unquoted:
          if (c === delimiter) {
            this.append(text, start, i);
            this.endField();
          } else if (c === LF || c === CR) {
            this.append(text, start, i);
            this.endRow(c === LF ? 1 : 0);
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            this.append(text, start, i);
            this.state = State.QuoteInQuoted;
          } else if (c === LF) {
            this.line++;
            this.fieldLines++;
          }
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            start = i + 1;
          } else start = this.afterField(c, i, start); // text after a closing quote is kept, as pandas does
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.append(text, start, n);
  }

  /** Finishes the text: emits the last row, or throws when a quote was never closed. */
  end(): void {
    if (this.state === State.Quoted) throw unclosedQuote(this.quoteLine);
    if (this.state === State.AfterCarriageReturn) return;
    if (this.fields.length > 0 || this.field !== '' || this.quoted) this.endRow(0);
  }

  /** At a field boundary: a delimiter or line end closes the field, anything else starts unquoted text at i. */
  private afterField(c: number, i: number, start: number): number {
    if (c === this.delimiter) this.endField();
    else if (c === LF) this.endRow(1);
    else if (c === CR) this.endRow(0);
    else {
      this.state = State.Unquoted;
      return i;
    }
    return start;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.field += text.slice(from, to);
    if (this.field.length > MAX_FIELD_CHARS) {
      if (this.state === State.Quoted && this.fieldLines > UNCLOSED_QUOTE_LINES) throw unclosedQuote(this.quoteLine);
      throw new AirlockError(
        'DATASET_FIELD_TOO_LARGE',
        `A value on line ${this.state === State.Quoted ? this.quoteLine : this.rowLine} is larger than ${MAX_FIELD_CHARS / 1024 / 1024} MiB, so this is not a usable text dataset.`,
        { hint: 'Check that the file is really a table of text examples; split or shorten very long texts before importing.' },
      );
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.quoted = false;
    this.state = State.FieldStart;
    if (this.fields.length > this.maxFields) {
      throw new AirlockError('DATASET_RAGGED_ROWS', `Line ${this.rowLine} has more than ${this.maxFields} fields.`, {
        hint: 'Check the delimiter and quoting of that line; every row must have the same number of fields as the header.',
      });
    }
  }

  /** Ends the current row; `lineBreak` is 1 when the row ended with a line feed, 0 for CR or end of text. */
  private endRow(lineBreak: 0 | 1): void {
    const blank = this.fields.length === 0 && !this.quoted && this.field.trim() === '';
    if (!blank) {
      this.fields.push(this.field);
      const fields = this.fields;
      this.fields = [];
      this.onRow(fields, this.rowLine);
    }
    this.field = '';
    this.quoted = false;
    this.line += lineBreak;
    this.state = lineBreak ? State.FieldStart : State.AfterCarriageReturn;
  }
}

function unclosedQuote(line: number): AirlockError {
  return new AirlockError('DATASET_UNTERMINATED_QUOTE', `A quoted value that opens on line ${line} is never closed.`, {
    hint: `Look at line ${line}: a field that starts with a double quote (") must end with one. A double quote inside a quoted value is written twice ("").`,
  });
}

const CANDIDATES = [',', '\t', ';', '|'];

/**
 * Picks the delimiter whose field count is the same (and above one) on most of the sample's
 * lines, parsed with quoting. `preferred` wins ties; a single-column file gets `preferred`.
 */
export function sniffDelimiter(sample: string, preferred: string, sampleIsWholeFile: boolean): string {
  let best = { delimiter: preferred, consistency: 0, fields: 1 };
  for (const delimiter of [preferred, ...CANDIDATES.filter((candidate) => candidate !== preferred)]) {
    const counts: number[] = [];
    const parser = new CsvParser(delimiter, (fields) => counts.push(fields.length));
    try {
      parser.push(sample);
      if (sampleIsWholeFile) parser.end();
    } catch {
      // a sample cut mid-value, or a wrong delimiter: judge on the rows parsed so far
    }
    const rows = counts.slice(0, 50);
    if (!sampleIsWholeFile && rows.length > 1 && counts.length <= 50) rows.pop(); // the last row may be cut off
    if (rows.length === 0 || rows[0] < 2) continue;
    const consistency = rows.filter((count) => count === rows[0]).length / rows.length;
    if (consistency > best.consistency + 0.01 || (Math.abs(consistency - best.consistency) <= 0.01 && best.fields < 2)) {
      best = { delimiter, consistency, fields: rows[0] };
    }
  }
  return best.delimiter;
}
