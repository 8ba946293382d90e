/**
 * JSON values built from @streamparser/json's tokens without recursion: numbers keep their source
 * text (`SourceNumber`), objects are `Map`s (so `__proto__` is an ordinary key), and nesting is bounded.
 */
import { Tokenizer, TokenType } from '@streamparser/json';
import { SourceNumber } from './cells.ts';

/** A JSON object as read: keys in file order, any string a key; a repeated key keeps its last value, as JSON.parse does. */
export type JsonObject = Map<string, unknown>;

/** A grammar error inside one value; the reader adds where it was. */
export class JsonSyntaxError extends Error {}

/** A value nested deeper than the builder allows. */
export class JsonDepthError extends Error {}

/** Returned by {@link ValueBuilder.push} while the value is still open. */
export const INCOMPLETE: unique symbol = Symbol('incomplete');

/** A tokenizer that hands numbers over as their exact source text instead of a float. */
export class SourceTokenizer extends Tokenizer {
  // The library types this as a number; the value only travels to our own token handler.
  protected override parseNumber(text: string): number {
    return new SourceNumber(text) as unknown as number;
  }
}

type Frame =
  | { kind: 'object'; value: JsonObject; key: string; state: 'keyOrEnd' | 'key' | 'colon' | 'value' | 'commaOrEnd' }
  | { kind: 'array'; value: unknown[]; state: 'valueOrEnd' | 'value' | 'commaOrEnd' };

/**
 * Assembles one JSON value at a time from tokens, checking the grammar the tokenizer leaves to its
 * caller. The open containers live on an explicit stack, at most `maxDepth` deep.
 */
export class ValueBuilder {
  private readonly stack: Frame[] = [];

  constructor(private readonly maxDepth: number) {}

  /** Containers open right now: 0 between values. */
  get depth(): number {
    return this.stack.length;
  }

  /** Feeds one token (not a separator); returns the finished value, or INCOMPLETE while it is open. */
  push(token: TokenType, value: unknown): unknown {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return this.startValue(token, value);
    if (top.kind === 'object') {
      switch (top.state) {
        case 'keyOrEnd':
          if (token === TokenType.RIGHT_BRACE) return this.close();
        // falls through: anything else must be a name
        case 'key':
          if (token !== TokenType.STRING) throw new JsonSyntaxError(`expected a quoted name but found ${tokenName(token)}`);
          top.key = value as string;
          top.state = 'colon';
          return INCOMPLETE;
        case 'colon':
          if (token !== TokenType.COLON) throw new JsonSyntaxError(`expected ":" after the name "${shorten(top.key)}" but found ${tokenName(token)}`);
          top.state = 'value';
          return INCOMPLETE;
        case 'value':
          return this.startValue(token, value);
        case 'commaOrEnd':
          if (token === TokenType.RIGHT_BRACE) return this.close();
          if (token !== TokenType.COMMA) throw new JsonSyntaxError(`expected "," or "}" but found ${tokenName(token)}`);
          top.state = 'key';
          return INCOMPLETE;
      }
    }
    switch (top.state) {
      case 'valueOrEnd':
        if (token === TokenType.RIGHT_BRACKET) return this.close();
        return this.startValue(token, value);
      case 'value':
        return this.startValue(token, value);
      case 'commaOrEnd':
        if (token === TokenType.RIGHT_BRACKET) return this.close();
        if (token !== TokenType.COMMA) throw new JsonSyntaxError(`expected "," or "]" but found ${tokenName(token)}`);
        top.state = 'value';
        return INCOMPLETE;
    }
  }

  private startValue(token: TokenType, value: unknown): unknown {
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        if (this.stack.length >= this.maxDepth) throw new JsonDepthError(`nested more than ${this.maxDepth} levels deep`);
        this.stack.push(
          token === TokenType.LEFT_BRACE ? { kind: 'object', value: new Map(), key: '', state: 'keyOrEnd' } : { kind: 'array', value: [], state: 'valueOrEnd' },
        );
        return INCOMPLETE;
      case TokenType.STRING:
      case TokenType.NUMBER:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        return this.attach(value);
      default:
        throw new JsonSyntaxError(`expected a value but found ${tokenName(token)}`);
    }
  }

  /** Puts a finished value into its container, or returns it when it is the outermost one. */
  private attach(value: unknown): unknown {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return value;
    if (top.kind === 'object') top.value.set(top.key, value);
    else top.value.push(value);
    top.state = 'commaOrEnd';
    return INCOMPLETE;
  }

  private close(): unknown {
    return this.attach(this.stack.pop()!.value);
  }
}

const TOKEN_TEXT: Partial<Record<TokenType, string>> = {
  [TokenType.LEFT_BRACE]: '"{"',
  [TokenType.RIGHT_BRACE]: '"}"',
  [TokenType.LEFT_BRACKET]: '"["',
  [TokenType.RIGHT_BRACKET]: '"]"',
  [TokenType.COLON]: '":"',
  [TokenType.COMMA]: '","',
  [TokenType.TRUE]: 'true',
  [TokenType.FALSE]: 'false',
  [TokenType.NULL]: 'null',
  [TokenType.STRING]: 'a string',
  [TokenType.NUMBER]: 'a number',
};

/** A token as a reader of the file would name it. */
export function tokenName(token: TokenType): string {
  return TOKEN_TEXT[token] ?? 'the end of the line';
}

/** Plain words for the tokenizer's own errors ("Unexpected "x" at chunk position …"). */
export function tokenizerReason(error: Error): string {
  const unexpected = /^Unexpected "([\s\S]*?)" at chunk position/.exec(error.message);
  if (unexpected) {
    const char = unexpected[1];
    const code = char.charCodeAt(0);
    return code < 0x20 ? `a control character (code ${code}) where it is not allowed` : `unexpected "${char}"`;
  }
  if (/ended in the middle of a token/.test(error.message)) return 'the text ends in the middle of a value';
  return shorten(error.message);
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
