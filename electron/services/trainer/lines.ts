/** Splits a byte stream into lines, keeping a partial line between chunks. */
export class LineSplitter {
  private buffer = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim()) this.onLine(line);
      newline = this.buffer.indexOf('\n');
    }
  }

  /** Delivers a last line that had no newline. */
  end(): void {
    if (this.buffer.trim()) this.onLine(this.buffer);
    this.buffer = '';
  }
}

/** Keeps the last `limit` characters written to it. */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit = 8000) {}

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }

  toString(): string {
    return this.text;
  }
}
