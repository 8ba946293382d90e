import { toErrorShape, type AirlockErrorShape } from '../../schemas/errors.ts';

/** How a command reports: JSON on stdout with --json, readable text otherwise. Progress always goes to stderr. */
export class Output {
  constructor(readonly json: boolean) {}

  /** The command's result: `data` as JSON, or `text()` for people. */
  result(data: unknown, text: () => string): void {
    process.stdout.write(this.json ? JSON.stringify(data, null, 2) + '\n' : text() + '\n');
  }

  /** A note for people, never mixed into JSON output. */
  info(message: string): void {
    process.stderr.write(message + '\n');
  }

  /** Prints an error in the chosen form and returns the exit code. */
  error(error: unknown): number {
    const shape: AirlockErrorShape = toErrorShape(error);
    if (this.json) {
      process.stdout.write(JSON.stringify({ error: shape }, null, 2) + '\n');
    } else {
      const lines = [`Error [${shape.code}]: ${shape.message}`];
      if (shape.details && shape.details.length > 1) lines.push(...shape.details.map((detail) => `  - ${detail}`));
      if (shape.hint) lines.push(`Hint: ${shape.hint}`);
      process.stderr.write(lines.join('\n') + '\n');
    }
    if (shape.code === 'INTERNAL_ERROR' && process.env.AIRLOCK_DEBUG) console.error(error);
    return shape.code === 'INVALID_INPUT' ? 2 : 1;
  }
}

/** A table of rows as aligned text columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** A number of bytes in human units. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
