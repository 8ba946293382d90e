/** Shared helpers for the dataset import tests: temporary files and error assertions. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AirlockError, type ErrorCode } from '../../../schemas/errors.ts';
import { analyzeDatasetFile, type AnalyzeOptions } from '../../../electron/services/datasets/analyze.ts';
import type { TableSchema } from '../../../electron/services/datasets/canonical-table.ts';

/** The project's Python, which has pandas and pyarrow once set-up has run. */
export const PYTHON = join(import.meta.dirname, '../../../.venv/bin/python');

/** Whether the project's Python can import `module` (tests that need it are skipped otherwise). */
export function pythonHas(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Folder of committed fixture files. */
export const FIXTURES = join(import.meta.dirname, '../../fixtures/datasets');

/** A temporary folder with an `out/` subfolder for canonical tables; `cleanup` removes it. */
export function makeScratch(): { dir: string; out: string; write(name: string, content: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-datasets-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  return {
    dir,
    out,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Asserts that analysing `path` fails with `code` (and a message matching `message`), and that
 * nothing, not even a temporary file, is left in the output folder.
 */
export async function expectFailure(path: string, out: string, code: ErrorCode, message?: RegExp, options: AnalyzeOptions = {}): Promise<AirlockError> {
  let caught: unknown;
  try {
    await analyzeDatasetFile(path, { ...options, tableDir: out });
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(AirlockError);
  const error = caught as AirlockError;
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  if (message) expect(error.message).toMatch(message);
  expect(error.hint, 'every failure carries a hint').toBeTruthy();
  expect(readdirSync(out)).toEqual([]);
  return error;
}

/** The canonical table written into `folder`: its schema and its rows' cells. */
export function readTable(folder: string): { schema: TableSchema; rows: (string | string[] | null)[][] } {
  const schema = JSON.parse(readFileSync(join(folder, 'table.schema.json'), 'utf8')) as TableSchema;
  const rows = readFileSync(join(folder, 'table.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { schema, rows };
}

/** A fresh empty folder inside the scratch folder, for one canonical table. */
export function tableFolder(scratch: { dir: string }, name: string): string {
  const folder = join(scratch.dir, name);
  mkdirSync(folder);
  return folder;
}
