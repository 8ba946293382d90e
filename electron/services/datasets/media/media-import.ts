/**
 * Import of an image or audio folder: list it without trusting it, read its layout, open every
 * file with the trainer's decoder, then write the canonical table (file, label[, split]) and a copy
 * of every usable file under `files/`, so the dataset survives the removable drive it came from.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ColumnProfile, DatasetFormat, Detection, MediaProfile } from '../../../../schemas/dataset.ts';
import { AirlockError, type ErrorCode } from '../../../../schemas/errors.ts';
import { SCHEMA_FILE, TABLE_FILE, type TableSchema } from '../canonical-table.ts';
import { classCountWarnings } from '../detect.ts';
import { decodeFiles, type AudioReport, type ImageReport } from './decode-report.ts';
import { readMediaLayout, type MediaKind } from './layout.ts';
import { mediaProfile, mediaWarnings, type UsableRow } from './media-profile.ts';
import { listFolderFiles } from './walk.ts';

/** The folder inside a media dataset that holds the copied files; the table's `file` cells are relative to it. */
export const MEDIA_FILES_DIR = 'files';

export interface MediaAnalysis {
  format: DatasetFormat;
  rows: number;
  bytes: number;
  /** SHA-256 of the manifest (relative path, file SHA-256, label and split of every row): the dataset's identity. */
  sha256: string;
  columns: ColumnProfile[];
  detection: Detection;
  preview: Record<string, string>[];
  media: MediaProfile;
  table: TableSchema;
}

export interface MediaImportOptions {
  /** The data folder (the trainer runs there). */
  home: string;
  /** The staging folder to write table.jsonl, table.schema.json and files/ into. */
  tableDir: string;
  /** The name messages use for the folder (an archive's name when it was unpacked from one). */
  displayName?: string;
  /** Import the usable files when some cannot be opened, instead of refusing the folder. */
  skipUnreadable?: boolean;
  onProgress?: (fraction: number) => void;
}

/**
 * Reads a media folder once and writes its canonical table and file copies into `tableDir`.
 * @throws AirlockError with the layout's codes (see readMediaLayout, listFolderFiles), MEDIA_* for a
 *   single unusable file, DATASET_FILES_UNREADABLE for several, DATASET_CLASS_EMPTY for a class
 *   folder without a usable file.
 */
export async function analyzeMediaFolder(folder: string, options: MediaImportOptions): Promise<MediaAnalysis> {
  const name = options.displayName ?? basename(folder);
  const layout = readMediaLayout(await listFolderFiles(folder), name);
  options.onProgress?.(0.05);
  const reports = await decodeFiles(options.home, options.tableDir, layout.rows.map((row) => ({ path: row.file.absolute, kind: layout.kind })), (fraction) =>
    options.onProgress?.(0.05 + 0.8 * fraction),
  );
  const unusable: MediaProfile['unusable'] = [];
  const usable: UsableRow[] = [];
  layout.rows.forEach((row, index) => {
    const report = reports[index]!;
    if (report.ok) usable.push({ row, report: report as ImageReport | AudioReport });
    else unusable.push({ file: row.file.relative, code: report.code, reason: report.reason });
  });
  refuseUnusable(unusable, name, options.skipUnreadable ?? false);
  const emptyClasses = [...layout.emptyClassFolders, ...classesLost(layout.rows.map((row) => row.label), usable)];
  if (emptyClasses.length) {
    throw new AirlockError('DATASET_CLASS_EMPTY', `The class folder${emptyClasses.length > 1 ? 's' : ''} ${emptyClasses.map((c) => `"${c}"`).join(', ')} in ${name} hold${emptyClasses.length > 1 ? '' : 's'} no usable ${layout.kind === 'image' ? 'image' : 'audio file'}.`, {
      hint: 'Add examples to the folder, or remove it if that class is not wanted.',
    });
  }

  const hasSplits = layout.splits.length > 0;
  const columns = columnProfiles(usable, hasSplits);
  const labels = countLabels(usable);
  const balance = labels.length ? Math.round((labels.at(-1)!.count / labels[0]!.count) * 1000) / 1000 : null;
  const ignored = layout.ignored.map((file) => file.relative);
  const detection: Detection = {
    modality: layout.kind,
    task: 'classification',
    textColumn: 'file',
    labelColumn: 'label',
    labels,
    idColumns: [],
    balance,
    sft: null,
    warnings: [...mediaWarnings(usable, unusable, ignored), ...classCountWarnings(labels, balance)],
  };
  const table = await writeTable(options.tableDir, name, usable, hasSplits, columns);
  await copyFiles(options.tableDir, usable, (fraction) => options.onProgress?.(0.85 + 0.15 * fraction));
  options.onProgress?.(1);
  return {
    format: `${layout.kind}-folder` as DatasetFormat,
    rows: usable.length,
    bytes: usable.reduce((sum, entry) => sum + entry.report.bytes, 0),
    sha256: manifestHash(layout.kind, usable),
    columns,
    detection,
    preview: usable.slice(0, 20).map((entry) => ({ file: entry.row.file.relative, label: entry.row.label, ...(hasSplits ? { split: entry.row.split! } : {}) })),
    media: mediaProfile(layout.kind, usable, layout.splits, unusable),
    table,
  };
}

/** Refuses unusable files (one: its own code; several: DATASET_FILES_UNREADABLE listing each) unless they are skipped. */
export function refuseUnusable(unusable: MediaProfile['unusable'], name: string, skip: boolean): void {
  if (unusable.length === 0 || skip) return;
  const details = unusable.map((entry) => `${entry.file}: ${entry.reason} (${entry.code})`);
  const hint = 'Remove or replace these files, or import the rest without them (`--skip-unreadable`, or the checkbox in the app).';
  if (unusable.length === 1) {
    const [only] = unusable;
    throw new AirlockError(only!.code as ErrorCode, `${only!.file} in ${name} cannot be used: ${only!.reason}.`, { hint, details });
  }
  throw new AirlockError('DATASET_FILES_UNREADABLE', `${unusable.length} files in ${name} cannot be used.`, { hint, details });
}

/** Classes that had files, none of them usable. */
function classesLost(all: string[], usable: UsableRow[]): string[] {
  const kept = new Set(usable.map((entry) => entry.row.label));
  return [...new Set(all)].filter((label) => !kept.has(label));
}

function countLabels(usable: UsableRow[]): Detection['labels'] {
  const counts = new Map<string, number>();
  for (const entry of usable) counts.set(entry.row.label, (counts.get(entry.row.label) ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
}

function columnProfiles(usable: UsableRow[], hasSplits: boolean): ColumnProfile[] {
  const profile = (column: string, values: string[], type: ColumnProfile['type']): ColumnProfile => {
    const distinct = new Set(values);
    const lengths = values.map((value) => value.length).sort((a, b) => a - b);
    return {
      name: column,
      type,
      distinct: distinct.size,
      distinctCapped: false,
      missing: 0,
      textLength: { min: lengths[0]!, p50: lengths[Math.floor(lengths.length / 2)]!, p95: lengths[Math.floor(lengths.length * 0.95)]!, max: lengths.at(-1)!, mean: Math.round((lengths.reduce((a, b) => a + b, 0) / lengths.length) * 10) / 10 },
      samples: [...distinct].slice(0, 5),
    };
  };
  const columns = [profile('file', usable.map((entry) => entry.row.file.relative), 'text'), profile('label', usable.map((entry) => entry.row.label), 'category')];
  if (hasSplits) columns.push(profile('split', usable.map((entry) => entry.row.split!), 'category'));
  return columns;
}

async function writeTable(dir: string, source: string, usable: UsableRow[], hasSplits: boolean, columns: ColumnProfile[]): Promise<TableSchema> {
  const lines = usable.map((entry) => JSON.stringify(hasSplits ? [entry.row.file.relative, entry.row.label, entry.row.split] : [entry.row.file.relative, entry.row.label]));
  await writeFile(join(dir, TABLE_FILE), lines.length ? `${lines.join('\n')}\n` : '');
  const schema: TableSchema = {
    format: 'airlock-table',
    version: 1,
    rows: usable.length,
    source,
    columns: columns.map((column) => ({ name: column.name, type: column.type })),
    labels: [],
    media: { kind: usable[0] && 'width' in usable[0].report ? 'image' : 'audio', files: MEDIA_FILES_DIR, column: 'file' },
  };
  await writeFile(join(dir, SCHEMA_FILE), `${JSON.stringify(schema, null, 1)}\n`);
  return schema;
}

async function copyFiles(dir: string, usable: UsableRow[], onProgress: (fraction: number) => void): Promise<void> {
  const root = join(dir, MEDIA_FILES_DIR);
  let done = 0;
  for (const entry of usable) {
    const target = join(root, ...entry.row.file.relative.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(entry.row.file.absolute, target);
    if (++done % 200 === 0) onProgress(done / usable.length);
  }
}

/** The identity of the content: same files, labels and splits give the same hash wherever they were found. */
function manifestHash(kind: MediaKind, usable: UsableRow[]): string {
  const hash = createHash('sha256');
  hash.update(`airlock-media-manifest 1 ${kind}\n`);
  const lines = usable.map((entry) => `${entry.report.sha256}\t${entry.row.split ?? ''}\t${entry.row.label}\t${entry.row.file.relative}`).sort();
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest('hex');
}
