/** Streaming JSON Lines parser: one JSON object per line, blank lines allowed. */
import { AirlockError } from '../../../schemas/errors.ts';
import { MAX_FIELD_CHARS, MAX_JSONL_LINE_CHARS } from './limits.ts';

/** A JSON object read from one line. */
export type JsonRecord = Record<string, unknown>;

/** Parses JSON Lines text pushed in chunks; calls `onRecord` with each object and its line number. */
export class JsonlParser {
  private pending = '';
  private line = 0;

  constructor(private readonly onRecord: (record: JsonRecord, line: number, text: string) => void) {}

  /** Parses the complete lines of the next piece of text, keeping a partial last line. */
  push(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      const piece = text.slice(start, newline);
      const line = this.pending === '' ? piece : this.pending + piece;
      this.pending = '';
      this.parseLine(line);
      start = newline + 1;
    }
    if (start < text.length) {
      this.pending += text.slice(start);
      if (this.pending.length > MAX_JSONL_LINE_CHARS) throw tooLarge(this.line + 1);
    }
  }

  /** Parses the last line when the file does not end with a newline. */
  end(): void {
    if (this.pending !== '') this.parseLine(this.pending);
    this.pending = '';
  }

  private parseLine(raw: string): void {
    const number = ++this.line;
    if (raw.length > MAX_JSONL_LINE_CHARS) throw tooLarge(number);
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^JSON\.parse: /, '') : String(error);
      throw new AirlockError('DATASET_JSONL_INVALID_LINE', `Line ${number} is not valid JSON (${truncate(reason)}).`, {
        hint: `Fix or remove line ${number}. A JSON Lines file holds one complete JSON object per line, like {"text": "…", "label": "…"}.`,
        details: [truncate(text)],
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const arrayFile = number === 1 && Array.isArray(value);
      throw new AirlockError('DATASET_JSONL_INVALID_LINE', `Line ${number} is not a JSON object.`, {
        hint: arrayFile
          ? 'The file holds one JSON array; save it as JSON Lines instead, one object per line.'
          : `Each line must be an object like {"text": "…", "label": "…"}; fix or remove line ${number}.`,
      });
    }
    for (const field of Object.values(value)) {
      if (typeof field === 'string' && field.length > MAX_FIELD_CHARS) throw tooLarge(number);
    }
    this.onRecord(value as JsonRecord, number, text);
  }
}

function tooLarge(line: number): AirlockError {
  return new AirlockError('DATASET_FIELD_TOO_LARGE', `Line ${line} is larger than Airlock accepts (a value may be at most ${MAX_FIELD_CHARS / 1024 / 1024} MiB).`, {
    hint: 'Check that the file is really a table of text examples; split or shorten very long texts before importing.',
  });
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
