// End to end, the ticket task of issue 16: "I have a CSV of support tickets; I want a model that labels new
// tickets." Import, train, register, try it, then label a new file on the Registry and save it; and label an
// uploaded file from the completed run's own screen, before and without registration. The built renderer in
// Debian's Chromium through the real web host, over real services and the real trainer (a tiny model).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';
import { CsvParser } from '../../electron/services/datasets/csv-reader.ts';
import { originalCell } from '../../electron/services/util/csv-cells.ts';
import { launchBrowser, openScreen, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { writeNewTickets, writeTickets } from '../helpers/tickets.ts';

const SLOW = 60_000;
const LABELS = ['billing', 'bug', 'login', 'shipping'];

let dir: ReturnType<typeof tempDir>;
let host: WebHost;
let browser: Browser;
let page: Page;
let runUrl = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer did not build.');
  dir = tempDir('airlock-e2e-label-');
  host = await startWebHost({ home: join(dir.path, 'home') });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(host.url);
}, SLOW);

afterEach(async (context) => {
  // A failed step leaves a picture of the page behind.
  if (context.task.result?.state === 'fail') await screenshot(page, `label-file-failed-${context.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  dir?.cleanup();
});

const open = (screen: string) => openScreen(page, screen);

/** Seconds from pressing Predict until the answer shows. */
async function tryIt(text: string): Promise<number> {
  await page.getByLabel('Text to classify').fill(text);
  const started = Date.now();
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  await page.getByRole('status', { name: 'Prediction' }).waitFor({ timeout: SLOW });
  return (Date.now() - started) / 1000;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser(',', (fields) => rows.push(fields));
  parser.push(text);
  parser.end();
  return rows;
}

describe('an analyst labels new support tickets in the app', () => {
  it('imports the tickets CSV, trains a model on it and registers it', async () => {
    await open('Datasets');
    await page.getByLabel('Dataset file or folder path').fill(writeTickets(join(dir.path, 'tickets.csv')));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByLabel('Detection result').innerText(), { timeout: SLOW }).toContain('category');
    await open('Models');
    await page.getByLabel('Model folder path').fill(tinyModelPath());
    await page.getByLabel('Name in the cache (optional)').fill('tiny-bert');
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Cached models' }).innerText()).toContain('tiny-bert');

    await open('New run');
    await page.getByRole('radio', { name: /tickets/ }).check();
    await page.getByRole('button', { name: 'Next: model' }).click();
    await page.getByRole('radio', { name: /tiny/ }).check();
    await page.getByRole('button', { name: 'Next: settings' }).click();
    for (const [label, value] of Object.entries({ 'Max epochs': '4', 'Batch size': '8', 'Learning rate': '0.005' })) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Next: review' }).click();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/runs\/.+/);
    runUrl = page.url();
    await expect.poll(async () => (await page.locator('h1 .badge').innerText()).trim(), { timeout: SLOW, interval: 250 }).toBe('completed');
    await page.getByRole('form', { name: "Register this run's model" }).getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'tickets v1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
  });

  it('tries the model: every label ranked, the second answer from the warm model', async () => {
    const first = await tryIt('I was charged twice for my subscription');
    const second = await tryIt('the app crashes when I open settings');
    console.log(`try it in the browser: first ${first.toFixed(2)} s, second ${second.toFixed(2)} s (warm worker)`);
    expect(second).toBeLessThan(first);
    const ranking = page.getByRole('table', { name: "Every label's probability" });
    const rows = await ranking.locator('tbody tr').allInnerTexts();
    expect(rows.map((row) => row.split('\t')[0].trim()).sort()).toEqual(LABELS);
    const percents = rows.map((row) => Number(row.match(/([\d.]+)%/)![1]));
    expect(percents).toEqual([...percents].sort((a, b) => b - a));
    await screenshot(page, 'try-it');
  });

  it('labels a new file with progress, previews it and saves a spreadsheet-safe CSV', async () => {
    const notes = ['=HYPERLINK("http://attacker.example","open me")', '-3.5', '@SUM(1+1)', 'ordinary note'];
    const input = writeNewTickets(join(dir.path, 'new-tickets.csv'), 400, (index) => ({ note: notes[index % notes.length] }));
    await page.getByLabel('File to label').fill(input);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const column = page.getByLabel('Text column', { exact: true });
    await expect.poll(() => column.inputValue(), { timeout: SLOW }).toBe('message');
    await page.getByRole('button', { name: 'Label 400 rows' }).click();
    const summary = page.getByRole('status', { name: 'Labelling result' });
    await expect.poll(() => summary.innerText(), { timeout: SLOW }).toMatch(/^Labelled 400 of 400 rows of new-tickets\.csv \(text column "message"\)/);
    const preview = await page.getByRole('table', { name: 'Labelled rows' }).locator('tbody tr').allInnerTexts();
    expect(preview).toHaveLength(20);
    expect(preview[0]).toMatch(/I was charged twice, please refund me #0\s+(billing|bug|login|shipping)\s+[\d.]+%\s+(billing|bug|login|shipping) \([\d.]+%\)/);
    expect(await page.getByRole('figure', { name: 'Label distribution' }).innerText()).toMatch(/labels?:/);

    const out = join(dir.path, 'results');
    mkdirSync(out);
    await page.getByLabel('Save to folder').fill(out);
    await page.getByRole('button', { name: 'Save 400 rows' }).click();
    const saved = join(out, 'new-tickets-predictions.csv');
    await expect.poll(() => page.getByRole('status', { name: 'Saved file' }).innerText()).toBe(`Saved 400 rows to ${saved}`);
    await screenshot(page, 'label-a-file');

    const rows = parseCsv(readFileSync(saved, 'utf8'));
    expect(rows[0]).toEqual(['id', 'message', 'note', 'predicted_label', 'probability', 'runner_up_label', 'runner_up_probability', 'low_confidence']);
    expect(rows).toHaveLength(401);
    for (const [index, row] of rows.slice(1).entries()) {
      expect(row[0]).toBe(String(1000 + index));
      expect(originalCell(row[2])).toBe(notes[index % notes.length]);
      expect(LABELS).toContain(row[3]);
      expect(Number(row[4])).toBeGreaterThan(Number(row[6]));
    }
    expect(rows[1][2]).toBe(`'${notes[0]}`);
    expect(rows[2][2]).toBe('-3.5');
  });

  it("labels an uploaded file from the run's own screen and saves JSON Lines", async () => {
    await page.goto(runUrl);
    await page.getByRole('heading', { name: 'Label a file' }).waitFor();
    const jsonl = join(dir.path, 'inbox.jsonl');
    writeFileSync(jsonl, ['my parcel never came', 'refund the double charge', 'login page is blank'].map((text, id) => JSON.stringify({ id, subject: text })).join('\n') + '\n');
    await page.getByLabel('Choose a file to upload').setInputFiles(jsonl);
    await expect.poll(() => page.getByLabel('Text column', { exact: true }).inputValue(), { timeout: SLOW }).toBe('subject');
    await page.getByRole('button', { name: 'Label 3 rows' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Labelling result' }).innerText(), { timeout: SLOW }).toContain('Labelled 3 of 3 rows');
    await page.getByLabel('Save to folder').fill(dir.path);
    await page.getByLabel('JSON Lines (exact values)').check();
    await page.getByRole('button', { name: 'Save 3 rows' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Saved file' }).innerText()).toMatch(/inbox-predictions\.jsonl$/);
    const savedPath = (await page.getByRole('status', { name: 'Saved file' }).innerText()).replace(/^Saved 3 rows to /, '');
    const records = readFileSync(savedPath, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(records.map((record) => record.subject)).toEqual(['my parcel never came', 'refund the double charge', 'login page is blank']);
    for (const record of records) expect(LABELS).toContain(record.predicted_label);
    expect(pageErrors).toEqual([]);
  });
});
