/**
 * A table whose column holds paths of pictures or clips (a CSV/JSONL/Parquet file, or a folder's
 * metadata.csv): after the table is read as any table is, each named file is checked, opened with the
 * trainer's decoder and copied beside the canonical table, as for a folder of class subfolders.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DatasetWarning, MediaProfile } from '../../../../schemas/dataset.ts';
import { AirlockError } from '../../../../schemas/errors.ts';
import { SCHEMA_FILE, TABLE_FILE, type TableSchema } from '../canonical-table.ts';
import type { Cell } from '../cells.ts';
import { decodeFiles, type AudioReport, type ImageReport } from './decode-report.ts';
import { mediaKind, type MediaKind } from './layout.ts';
import { MEDIA_FILES_DIR, refuseUnusable } from './media-import.ts';
import { mediaProfile, mediaWarnings, type UsableRow } from './media-profile.ts';

export interface MediaTableResult {
  /** Rows kept (all, unless unreadable files were skipped). */
  rows: number;
  bytes: number;
  /** SHA-256 of the table's bytes and every file's SHA-256 and path: the dataset's identity. */
  sha256: string;
  media: MediaProfile;
  warnings: DatasetWarning[];
  /** Rows per label on the rows kept (a file and a label present), most frequent first. */
  labels: { label: string; count: number }[];
}

/** Why a path cell cannot name a file inside the table's folder, or null when it can. */
function unsafePath(cell: string): string | null {
  const normal = cell.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal)) return 'an absolute path: paths are read relative to the table\'s folder';
  if (normal.split('/').includes('..')) return 'a path that climbs out of the table\'s folder (..)';
  return null;
}

/**
 * Checks, decodes and copies the files the table's `column` names (paths relative to `source`'s folder)
 * into `tableDir/files`, drops the rows of unusable files when `skipUnreadable`, and records the media in
 * table.schema.json.
 * @throws AirlockError DATASET_LINK_OUTSIDE (an absolute or `..` path), MEDIA_* / DATASET_FILES_UNREADABLE
 *   (files missing or undecodable, unless skipped), DATASET_MIXED_MEDIA.
 */
export async function attachMediaFiles(
  source: string,
  tableDir: string,
  column: string,
  options: { home: string; labelColumn: string; skipUnreadable?: boolean; tableSha256: string; onProgress?: (fraction: number) => void },
): Promise<MediaTableResult> {
  const schema = JSON.parse(await readFile(join(tableDir, SCHEMA_FILE), 'utf8')) as TableSchema;
  const index = schema.columns.findIndex((entry) => entry.name === column);
  const lines = (await readFile(join(tableDir, TABLE_FILE), 'utf8')).split('\n').filter(Boolean);
  const rows = lines.map((line) => JSON.parse(line) as Cell[]);
  const base = dirname(source);
  const named = rows.map((row, position) => ({ position, cell: typeof row[index] === 'string' ? (row[index] as string) : null }));
  const listed = named.filter((entry): entry is { position: number; cell: string } => entry.cell !== null);
  for (const entry of listed) {
    const why = unsafePath(entry.cell);
    if (why) {
      throw new AirlockError('DATASET_LINK_OUTSIDE', `Row ${entry.position + 1} of ${basename(source)} names "${entry.cell}", ${why}.`, {
        hint: 'Put the files in the table\'s folder (or below it) and name them by relative paths such as images/cat/1.png.',
        field: column,
      });
    }
  }
  const kinds = new Set(listed.map((entry) => mediaKind(entry.cell)).filter((kind): kind is MediaKind => kind !== null));
  if (kinds.size > 1) {
    throw new AirlockError('DATASET_MIXED_MEDIA', `The column "${column}" of ${basename(source)} names both pictures and clips.`, {
      hint: 'Import pictures and clips as two datasets: one model takes one kind of input.',
    });
  }
  const kind = [...kinds][0] ?? 'image';
  const present = listed.filter((entry) => existsSync(join(base, entry.cell)) && statSync(join(base, entry.cell)).isFile());
  const reports = await decodeFiles(options.home, tableDir, present.map((entry) => ({ path: join(base, entry.cell), kind })), (fraction) =>
    options.onProgress?.(0.85 * fraction),
  );
  const byPosition = new Map(present.map((entry, n) => [entry.position, reports[n]!]));
  const unusable: MediaProfile['unusable'] = [];
  const usable: UsableRow[] = [];
  for (const entry of listed) {
    const report = byPosition.get(entry.position);
    if (!report) unusable.push({ file: entry.cell, code: 'FILE_NOT_FOUND', reason: `row ${entry.position + 1}: the file is missing` });
    else if (!report.ok) unusable.push({ file: entry.cell, code: report.code, reason: `row ${entry.position + 1}: ${report.reason}` });
    else usable.push({ row: { file: { relative: entry.cell, absolute: join(base, entry.cell), bytes: report.bytes }, label: '', split: null }, report: report as ImageReport | AudioReport });
  }
  refuseUnusable(unusable, basename(source), options.skipUnreadable ?? false);

  const dropped = new Set(unusable.map((entry) => entry.file));
  const kept = rows.filter((row) => !(typeof row[index] === 'string' && dropped.has(row[index] as string)));
  let copied = 0;
  for (const entry of usable) {
    const target = join(tableDir, MEDIA_FILES_DIR, ...entry.row.file.relative.replace(/\\/g, '/').split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(entry.row.file.absolute, target);
    if (++copied % 200 === 0) options.onProgress?.(0.85 + (0.15 * copied) / usable.length);
  }
  if (kept.length !== rows.length) await writeFile(join(tableDir, TABLE_FILE), kept.map((row) => `${JSON.stringify(row)}\n`).join(''));
  const updated: TableSchema = { ...schema, rows: kept.length, media: { kind, files: MEDIA_FILES_DIR, column } };
  await writeFile(join(tableDir, SCHEMA_FILE), `${JSON.stringify(updated, null, 1)}\n`);

  const hash = createHash('sha256').update(`airlock-media-table 1 ${options.tableSha256}\n`);
  for (const entry of [...usable].sort((a, b) => (a.row.file.relative < b.row.file.relative ? -1 : 1))) hash.update(`${entry.report.sha256}\t${entry.row.file.relative}\n`);
  return {
    rows: kept.length,
    bytes: usable.reduce((sum, entry) => sum + entry.report.bytes, 0),
    sha256: hash.digest('hex'),
    media: mediaProfile(kind, usable, [], unusable),
    warnings: mediaWarnings(usable, unusable, []),
    labels: countLabels(kept, updated, index, options.labelColumn),
  };
}

/** Rows per label, each label once per row, on rows with a file and a label (the rows the trainer keeps). */
function countLabels(rows: Cell[][], schema: TableSchema, fileIndex: number, labelColumn: string): { label: string; count: number }[] {
  const derived = schema.labels.find((entry) => entry.column === labelColumn);
  const labelIndex = derived ? derived.index : schema.columns.findIndex((entry) => entry.name === labelColumn);
  const counts = new Map<string, number>();
  for (const row of rows) {
    const label = row[labelIndex];
    if (row[fileIndex] === null || label === null || label === undefined) continue;
    for (const name of new Set(typeof label === 'string' ? [label] : label)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
}
