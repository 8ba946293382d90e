/** Writes a labelled file's work file out as CSV, TSV (spreadsheet-safe cells) or JSON Lines (values unchanged). */
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { AirlockError } from '../../../schemas/errors.ts';
import type { LabelledFileFormat } from '../../../schemas/predict.ts';
import { delimitedRecord } from '../util/csv-cells.ts';
import type { ResultLine } from './label-file.ts';
import { cellText } from './rows.ts';

/** The columns a prediction adds after the file's own, by task. */
function addedColumns(task: string): string[] {
  if (task === 'regression') return ['predicted_value'];
  const common = ['predicted_label', 'probability', 'runner_up_label', 'runner_up_probability', 'low_confidence'];
  return task === 'multi_label' ? ['predicted_labels', ...common] : common;
}

function addedValues(task: string, prediction: ResultLine['prediction']): unknown[] {
  if (task === 'regression') return [prediction.value ?? null];
  const common = [prediction.label, prediction.probability, prediction.runnerUp?.label ?? null, prediction.runnerUp?.probability ?? null, prediction.lowConfidence];
  return task === 'multi_label' ? [prediction.labels ?? [], ...common] : common;
}

/** Added names that clash with the file's own columns get a numeric suffix, so no column is shadowed. */
function uniqueNames(existing: string[], added: string[]): string[] {
  const taken = new Set(existing);
  return added.map((name) => {
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${name}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}

/** One JSON object from ordered pairs, written as text: a column named __proto__ stays an ordinary key. */
function jsonObject(names: string[], values: unknown[]): string {
  return `{${names.map((name, i) => `${JSON.stringify(name)}:${JSON.stringify(values[i] ?? null)}`).join(',')}}`;
}

/** A CSV/TSV cell for a value: lists of labels joined with "|", everything else as text. */
function delimitedCell(value: unknown): string {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value.join('|') : cellText(value);
}

/** Writes the work file at `resultPath` to `out` (replacing it) through a temporary file in the same folder. */
export async function writeLabelled(resultPath: string, columns: string[], task: string, format: LabelledFileFormat, out: string): Promise<number> {
  const names = [...columns, ...uniqueNames(columns, addedColumns(task))];
  const partial = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.partial`);
  const target = createWriteStream(partial, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => target.once('error', reject));
  failed.catch(() => undefined);
  const write = async (text: string) => {
    if (!target.write(text)) await Promise.race([once(target, 'drain'), failed]);
  };
  let rows = 0;
  try {
    const delimiter = format === 'tsv' ? '\t' : ',';
    if (format !== 'jsonl') await write(delimitedRecord(names, delimiter));
    const lines = createInterface({ input: createReadStream(resultPath, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text) continue;
      const line = JSON.parse(text) as ResultLine;
      const values = [...line.values, ...addedValues(task, line.prediction)];
      await write(format === 'jsonl' ? `${jsonObject(names, values)}\n` : delimitedRecord(values.map(delimitedCell), delimiter));
      rows++;
    }
    target.end();
    await Promise.race([once(target, 'finish'), failed]);
    renameSync(partial, out);
    return rows;
  } catch (error) {
    target.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The output format an `out` path names, or INVALID_INPUT. */
export function formatOfPath(out: string): LabelledFileFormat {
  const extension = extname(out).toLowerCase();
  if (extension === '.csv' || extension === '.tsv' || extension === '.jsonl') return extension.slice(1) as LabelledFileFormat;
  throw new AirlockError('INVALID_INPUT', `Predictions are written as .csv, .tsv or .jsonl, not "${extension || 'no extension'}".`, {
    field: 'out',
    hint: 'Name the output file predictions.csv or predictions.jsonl.',
  });
}

/** Bytes of a file name's stem kept, so the name and its temporary `.…partial` twin stay under 255 bytes. */
const STEM_BYTES = 180;

/** The stem cut to STEM_BYTES of UTF-8 at a character boundary. */
function shortStem(stem: string): string {
  if (Buffer.byteLength(stem) <= STEM_BYTES) return stem;
  let cut = '';
  for (const character of stem) {
    if (Buffer.byteLength(cut + character) > STEM_BYTES) break;
    cut += character;
  }
  return cut.trimEnd();
}

/** A new file name in `folder` for the labelled copy of `fileName`: tickets.csv -> tickets-predictions.csv (-2, -3, ... if taken). */
export function labelledPath(folder: string, fileName: string, format: LabelledFileFormat): string {
  if (!isAbsolute(folder)) {
    throw new AirlockError('INVALID_INPUT', `"${folder}" is not a full path to a folder.`, { field: 'folder', hint: 'Type the whole path, for example /media/usb/results.' });
  }
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new AirlockError('FILE_NOT_FOUND', `There is no folder ${folder}.`, { field: 'folder', hint: 'Create the folder first, or pick another place.' });
  }
  const stem = shortStem(basename(fileName, extname(fileName))) || 'labelled';
  for (let n = 1; ; n++) {
    const candidate = join(folder, `${stem}-predictions${n === 1 ? '' : `-${n}`}.${format}`);
    if (!existsSync(candidate)) return candidate;
  }
}
