/**
 * Streaming reader of JSON records: JSON Lines (one object per line, blank lines allowed) or, for a
 * `.json` file, one array of objects, pretty-printed or not. One tokenizer reads either layout; the
 * newline is its separator token, so lines are counted without a second scan of the text.
 */
import { TokenizerError, TokenType, type ParsedTokenInfo } from '@streamparser/json';
import { MAX_NESTING } from './cells.ts';
import { INCOMPLETE, JsonDepthError, JsonSyntaxError, SourceTokenizer, ValueBuilder, tokenName, tokenizerReason, type JsonObject } from './json-values.ts';
import { MAX_FIELD_CHARS, MAX_JSONL_LINE_CHARS } from './limits.ts';
import { arrayErrors, lineErrors, neitherLayout, type LayoutErrors, type Position } from './json-errors.ts';

/** Called with each record (keys in file order) and the line it starts on. */
export type RecordSink = (record: JsonObject, line: number) => void;

/** How the file may be laid out: `.jsonl` files hold JSON Lines; `.json` files JSON Lines or one array. */
export interface JsonReadOptions {
  fileName?: string;
  /** Accept one JSON array of objects as well as JSON Lines (a `.json` file). */
  arrays?: boolean;
}

type ArrayState = 'open' | 'valueOrEnd' | 'value' | 'commaOrEnd' | 'done';

/** Parses JSON records from text pushed in chunks; throws AirlockError naming the line (and array item) at fault. */
export class JsonlParser {
  private readonly tokenizer = new SourceTokenizer({ separator: '\n' });
  private readonly encoder = new TextEncoder();
  private readonly builder = new ValueBuilder(MAX_NESTING);
  private readonly fileName: string;
  private layout: 'lines' | 'array' | null = null;
  private errors: LayoutErrors;
  /** 1-based line the tokenizer is on. */
  private line = 1;
  /** Bytes given to the tokenizer so far, and where the current line (or array item) began. */
  private written = 0;
  private unitStart = 0;
  private recordLine = 1;
  private records = 0;
  private lineHasRecord = false;
  private arrayState: ArrayState = 'open';

  constructor(
    private readonly onRecord: RecordSink,
    private readonly options: JsonReadOptions = {},
  ) {
    this.fileName = options.fileName ?? 'The file';
    this.errors = lineErrors();
    this.tokenizer.onToken = (token) => this.onToken(token);
  }

  /** Parses the next piece of text. */
  push(text: string): void {
    const bytes = this.encoder.encode(text);
    this.guard(() => this.tokenizer.write(bytes));
    this.written += bytes.length;
    if (this.written - this.unitStart > MAX_JSONL_LINE_CHARS) throw this.errors.tooLarge(this.where());
  }

  /** Checks that the text ended between records. */
  end(): void {
    this.guard(() => this.tokenizer.end());
    if (this.layout === 'lines' && this.builder.depth > 0) this.fail('the object is not closed');
    if (this.layout === 'array' && this.arrayState !== 'done') {
      this.fail(this.builder.depth > 0 ? 'the text ends inside an item' : 'the text ends before the array is closed with "]"');
    }
  }

  private onToken({ token, value, offset }: ParsedTokenInfo): void {
    if (token === TokenType.SEPARATOR) {
      if (this.layout !== 'array') {
        if (this.builder.depth > 0) this.fail('the object does not end on its line');
        this.unitStart = offset + 1;
      }
      this.line++;
      this.lineHasRecord = false;
      return;
    }
    if (this.layout === null) this.chooseLayout(token);
    if (this.layout === 'lines') this.lineToken(token, value);
    else this.arrayToken(token, value, offset);
  }

  /** The first token decides: "[" starts one array (where allowed), anything else is JSON Lines. */
  private chooseLayout(token: TokenType): void {
    if (token === TokenType.LEFT_BRACKET && this.options.arrays) {
      this.layout = 'array';
      this.errors = arrayErrors(this.fileName);
      return;
    }
    this.layout = 'lines';
    if (this.options.arrays) this.errors = neitherLayout(this.fileName, lineErrors());
  }

  private lineToken(token: TokenType, value: unknown): void {
    if (this.builder.depth === 0) {
      if (this.lineHasRecord) this.fail(`a second value starts after the object`);
      if (token !== TokenType.LEFT_BRACE) throw this.errors.notObject(this.where(), tokenName(token), token === TokenType.LEFT_BRACKET);
      this.recordLine = this.line;
    }
    const record = this.build(token, value);
    if (record === INCOMPLETE) return;
    this.lineHasRecord = true;
    this.emit(record as JsonObject);
  }

  private arrayToken(token: TokenType, value: unknown, offset: number): void {
    if (this.builder.depth > 0) {
      const record = this.build(token, value);
      if (record !== INCOMPLETE) {
        this.arrayState = 'commaOrEnd';
        this.emit(record as JsonObject);
      }
      return;
    }
    switch (this.arrayState) {
      case 'open': // the "[" that chose this layout
        this.arrayState = 'valueOrEnd';
        this.unitStart = offset;
        return;
      case 'value':
        if (token === TokenType.RIGHT_BRACKET) this.fail(`the array ends with a "," after item ${this.records}`);
      // falls through: anything else must be an item
      case 'valueOrEnd':
        if (token === TokenType.RIGHT_BRACKET) return this.finishArray();
        if (token !== TokenType.LEFT_BRACE) throw this.errors.notObject(this.where(), tokenName(token), token === TokenType.LEFT_BRACKET);
        this.recordLine = this.line;
        this.unitStart = offset;
        this.build(token, value);
        return;
      case 'commaOrEnd':
        if (token === TokenType.RIGHT_BRACKET) return this.finishArray();
        if (token !== TokenType.COMMA) this.fail(`expected "," or "]" after item ${this.records} but found ${tokenName(token)}`);
        this.arrayState = 'value';
        this.unitStart = offset;
        return;
      case 'done':
        this.fail(`more follows after the array ends`);
    }
  }

  private finishArray(): void {
    this.arrayState = 'done';
    this.unitStart = Number.MAX_SAFE_INTEGER; // nothing but whitespace may follow: any token fails in 'done'
  }

  private build(token: TokenType, value: unknown): unknown {
    if (token === TokenType.STRING && (value as string).length > MAX_FIELD_CHARS) throw this.errors.tooLarge(this.where());
    try {
      return this.builder.push(token, value);
    } catch (error) {
      if (error instanceof JsonDepthError) throw this.errors.tooDeep(this.where(), error.message);
      if (error instanceof JsonSyntaxError) this.fail(error.message);
      throw error;
    }
  }

  private emit(record: JsonObject): void {
    this.records++;
    this.onRecord(record, this.recordLine);
  }

  /** Where the reader is: the line, the record (array item) being read and the line it began on. */
  private where(): Position {
    return { line: this.line, item: this.records + 1, recordLine: this.builder.depth > 0 ? this.recordLine : this.line, records: this.records };
  }

  private fail(reason: string): never {
    throw this.errors.invalid(this.where(), reason);
  }

  /** Runs tokenizer work, turning its own errors into a plain reason at the current line. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (!(error instanceof TokenizerError)) throw error;
      this.fail(tokenizerReason(error));
    }
  }
}
