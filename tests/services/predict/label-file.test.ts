// Labelling whole files and "try it" through the API over real services: a tiny model trained on support
// tickets whose categories are spreadsheet formulas (a model trained on hostile labels predicts them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';
import { CsvParser } from '../../../electron/services/datasets/csv-reader.ts';
import { originalCell } from '../../../electron/services/util/csv-cells.ts';
import type { ApiInput, ApiName, ApiOutput, Notice } from '../../../schemas/api.ts';
import type { Run } from '../../../schemas/run.ts';
import { tempDir } from '../../helpers/home.ts';
import { tinyModelPath } from '../../helpers/tiny-model.ts';
import { HOSTILE_LABELS, trainTickets, writeNewTickets, writeTickets } from '../../helpers/tickets.ts';

const dir = tempDir('airlock-label-file-');
let services: Services;
let api: Api;
let run: Run;
const HOSTILE = Object.values(HOSTILE_LABELS);

async function ok<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>> {
  const result = await api.call(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code} ${result.error.message}`);
  return result.data;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser(',', (fields) => rows.push(fields));
  parser.push(text);
  parser.end();
  return rows;
}

beforeAll(async () => {
  services = await createServices(join(dir.path, 'home'));
  api = createApi(services);
  await services.models.import(tinyModelPath(), { name: 'tiny' });
  run = await trainTickets(api, writeTickets(join(dir.path, 'hostile-tickets.csv'), { hostile: true }), 'hostile tickets');
}, 240_000);
afterAll(async () => {
  await services.predictions.close();
  services.close();
  dir.cleanup();
});

describe('try it through a warm worker', () => {
  it("ranks every label of a completed run's model, before registration, and answers the second time without a new process", async () => {
    const target = { runId: run.id };
    let started = performance.now();
    const first = await ok('predict.text', { target, texts: ['I was charged twice for my subscription'] });
    const firstS = (performance.now() - started) / 1000;
    started = performance.now();
    const second = await ok('predict.text', { target, texts: ['the app crashes when I open settings', 'hello'] });
    const secondS = (performance.now() - started) / 1000;
    console.log(`try it latency: first ${firstS.toFixed(2)} s (starts the worker), second ${secondS.toFixed(3)} s (warm)`);
    expect(secondS).toBeLessThan(firstS / 3);
    expect(services.predictions.warmWorkers).toBe(1);
    for (const prediction of [...first.predictions, ...second.predictions]) {
      const probabilities = prediction.ranked!.map((entry) => entry.probability);
      expect(prediction.ranked!.map((entry) => entry.label).sort()).toEqual([...HOSTILE].sort());
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
      expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 4);
      expect(prediction.label).toBe(prediction.ranked![0].label);
      const margin = probabilities[0] - probabilities[1];
      // The verdict follows the rule: under 10 points between the top two, or within 10 points of 1/4, is unclear.
      expect(prediction.lowConfidence).toBe(margin < 0.1 || probabilities[0] < 0.25 + 0.1);
      if (prediction.lowConfidence) expect(prediction.confidenceNote).toMatch(/^Not a clear answer/);
    }
    expect(second.predictions.map((prediction) => prediction.text)).toEqual(['the app crashes when I open settings', 'hello']);
  });

  it('replaces a worker that died', async () => {
    const [pid] = workerPids();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => services.predictions.warmWorkers, { timeout: 10_000 }).toBe(0);
    const answer = await ok('predict.text', { target: { runId: run.id }, texts: ['refund please'] });
    expect(answer.predictions[0].ranked).toHaveLength(4);
    expect(workerPids()).not.toContain(pid);
  });
});

/** The predict-worker processes this test process started (Linux /proc). */
function workerPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('predict-worker');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('label a file', () => {
  let fresh: Services;
  let freshApi: Api;
  beforeAll(async () => {
    await services.predictions.close(); // the first data folder's worker would otherwise stay warm for minutes
    process.env.AIRLOCK_PREDICT_IDLE_MS = '3000'; // this data folder's workers close after 3 s idle
    fresh = await createServices(join(dir.path, 'home'));
    delete process.env.AIRLOCK_PREDICT_IDLE_MS;
    freshApi = createApi(fresh);
    api = freshApi;
  });
  afterAll(async () => {
    await fresh.predictions.close();
    fresh.close();
  });

  const hostileCells = (index: number): Record<string, string> => ({
    note: ['=1+1', '@SUM(A1:A2)', '\t=2+2', "'quoted", 'plain note', '-3.5+1'][index % 6],
    amount: ['-3.5', '12', '+7', '-0.25'][index % 4],
    ['__proto__']: `proto ${index}`, // computed: an own key named __proto__, as a CSV header can be
  });

  it('detects the text column, labels every row with progress, and saves CSV with formula cells neutralised and JSONL unchanged', async () => {
    const input = writeNewTickets(join(dir.path, 'new-tickets.csv'), 150, hostileCells);
    const { file } = await ok('predict.inspect', { path: input });
    expect(file).toMatchObject({ fileName: 'new-tickets.csv', rows: 150, textColumn: 'message', columns: ['id', 'message', 'note', 'amount', '__proto__'] });

    const notices: Notice[] = [];
    const stop = api.subscribe((notice) => notices.push(notice));
    const { result } = await ok('predict.label', { target: { runId: run.id }, path: input, column: 'message', jobId: 'job-1' });
    stop();
    expect(result).toMatchObject({ status: 'completed', rows: 150, totalRows: 150, column: 'message', task: 'classification' });
    expect(Object.values(result.labelCounts).reduce((sum, count) => sum + count, 0)).toBe(150);
    expect(Object.keys(result.labelCounts).every((label) => HOSTILE.includes(label))).toBe(true);
    expect(result.preview).toHaveLength(20);
    expect(result.preview[0]).toMatchObject({ row: 1, text: 'I was charged twice, please refund me #0' });
    for (const row of result.preview) {
      expect(row.runnerUp!.probability).toBeLessThanOrEqual(row.probability!);
      expect(row.runnerUp!.label).not.toBe(row.label);
    }
    expect(result.lowConfidenceExamples.every((row) => row.lowConfidence)).toBe(true);
    const fractions = notices.flatMap((notice) => (notice.kind === 'progress' && notice.id === 'job-1' && notice.fraction !== null ? [notice.fraction] : []));
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(notices.some((notice) => notice.kind === 'progress' && notice.message?.includes('of new-tickets.csv'))).toBe(true);

    const out = join(dir.path, 'out');
    (await import('node:fs')).mkdirSync(out);
    const csv = await ok('predict.save', { jobId: 'job-1', folder: out, format: 'csv' });
    expect(csv).toEqual({ path: join(out, 'new-tickets-predictions.csv'), rows: 150, format: 'csv' });
    const rows = parseCsv(readFileSync(csv.path, 'utf8'));
    expect(rows[0]).toEqual(['id', 'message', 'note', 'amount', '__proto__', 'predicted_label', 'probability', 'runner_up_label', 'runner_up_probability', 'low_confidence']);
    expect(rows).toHaveLength(151);
    for (const [index, row] of rows.slice(1).entries()) {
      const cells = hostileCells(index);
      // Every value comes back by removing one leading quote.
      expect(row.slice(2, 5).map(originalCell)).toEqual([cells.note, cells.amount, cells.__proto__]);
      expect(HOSTILE).toContain(originalCell(row[5]));
      expect(HOSTILE).toContain(originalCell(row[7]));
      // Nothing a spreadsheet would run is left: a cell may start with a trigger only as a plain number.
      for (const cell of row) if (/^[=+\-@\t\r]/.test(cell)) expect(cell).toMatch(/^[+-]?\d+(\.\d+)?$/);
    }
    expect(rows[1][3]).toBe('-3.5'); // a negative number stays a number

    const jsonl = await ok('predict.save', { jobId: 'job-1', folder: out, format: 'jsonl' });
    const records = readFileSync(jsonl.path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(150);
    expect(Object.hasOwn(records[0], '__proto__')).toBe(true);
    expect(records[0]).toMatchObject({ id: '1000', note: '=1+1', amount: '-3.5' });
    expect(HOSTILE).toContain(records[0].predicted_label);
    expect(typeof records[0].probability).toBe('number');
    // Saving again does not overwrite: a new name.
    expect((await ok('predict.save', { jobId: 'job-1', folder: out, format: 'csv' })).path).toBe(join(out, 'new-tickets-predictions-2.csv'));
    expect(readdirSync(out).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('labels JSON Lines and Parquet files too', async () => {
    const jsonl = join(dir.path, 'tickets.jsonl');
    writeFileSync(jsonl, ['refund my money', 'cannot sign in'].map((text, id) => JSON.stringify({ id, text, extra: { nested: [1, 2] } })).join('\n') + '\n');
    const { result } = await ok('predict.label', { target: { runId: run.id }, path: jsonl, column: 'text', jobId: 'job-jsonl' });
    expect(result.rows).toBe(2);
    const saved = await ok('predict.save', { jobId: 'job-jsonl', folder: dir.path, format: 'jsonl' });
    expect(JSON.parse(readFileSync(saved.path, 'utf8').split('\n')[0])).toMatchObject({ id: 0, text: 'refund my money', extra: '{"nested":[1,2]}' }); // a nested value reads as its JSON text, as import shows it
    const parquet = join(import.meta.dirname, '..', '..', 'fixtures', 'datasets', 'reviews.parquet');
    const { file } = await ok('predict.inspect', { path: parquet });
    const labelled = await ok('predict.label', { target: { runId: run.id }, path: parquet, column: file.textColumn!, jobId: 'job-parquet' });
    expect(labelled.result.rows).toBe(file.rows);
  });

  it('stops when cancelled, keeping the rows done so far', async () => {
    const input = writeNewTickets(join(dir.path, 'many-tickets.csv'), 6000);
    let cancelled: Promise<unknown> | null = null;
    const stop = api.subscribe((notice) => {
      if (!cancelled && notice.kind === 'progress' && notice.id === 'job-cancel' && notice.message?.startsWith('Labelled')) {
        cancelled = api.call('predict.cancel', { jobId: 'job-cancel' });
      }
    });
    const { result } = await ok('predict.label', { target: { runId: run.id }, path: input, column: 'message', jobId: 'job-cancel' });
    stop();
    expect(await cancelled).toEqual({ ok: true, data: { cancelled: true } });
    expect(result.status).toBe('cancelled');
    expect(result.rows).toBeGreaterThan(0);
    expect(result.rows).toBeLessThan(6000);
    expect((await ok('predict.cancel', { jobId: 'job-cancel' })).cancelled).toBe(false);
  });

  it('refuses a missing column, a relative folder and an unknown job with their codes', async () => {
    const input = writeNewTickets(join(dir.path, 'few.csv'), 3);
    const missing = await api.call('predict.label', { target: { runId: run.id }, path: input, column: 'body', jobId: 'job-x' });
    expect(!missing.ok && missing.error).toMatchObject({ code: 'DATASET_COLUMN_MISSING', field: 'column' });
    const unknown = await api.call('predict.save', { jobId: 'job-x', folder: dir.path, format: 'csv' });
    expect(!unknown.ok && unknown.error.code).toBe('INVALID_INPUT');
    await ok('predict.label', { target: { runId: run.id }, path: input, column: 'message', jobId: 'job-y' });
    const relative = await api.call('predict.save', { jobId: 'job-y', folder: 'results', format: 'csv' });
    expect(!relative.ok && relative.error).toMatchObject({ code: 'INVALID_INPUT', field: 'folder' });
    const noRun = await api.call('predict.text', { target: { runId: 'no-such-run' }, texts: ['x'] });
    expect(!noRun.ok && noRun.error.code).toBe('RUN_NOT_FOUND');
  });

  it('closes a worker nobody used for a while', async () => {
    expect(fresh.predictions.warmWorkers).toBe(1);
    await expect.poll(() => fresh.predictions.warmWorkers, { timeout: 15_000 }).toBe(0);
    await expect.poll(() => workerPids().length, { timeout: 10_000 }).toBe(0);
  });
});
