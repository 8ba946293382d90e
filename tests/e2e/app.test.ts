// End to end: the built renderer in Debian's Chromium, through the real web host, over real services and
// a real trainer. One browser and one data folder for the whole file: each step builds on the last, the
// way a first-time user goes from an empty app to a trained, cancelled and resumed model.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';
import { launchBrowser, openScreen, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'resources', 'sample', 'wordnet-topics.csv');
const TRAINING = 120_000; // an upper bound to wait, not a speed target: a loaded 2-core machine needs the room

let dir: ReturnType<typeof tempDir>;
let host: WebHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer did not build.');
  dir = tempDir('airlock-e2e-');
  host = await startWebHost({ home: join(dir.path, 'home') });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(host.url);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  dir?.cleanup();
});

const open = (screen: string) => openScreen(page, screen);

/** The number of points a chart says it draws (its caption reads "N points, latest ..."). */
async function chartPoints(title: string): Promise<number> {
  const caption = await page.getByRole('figure', { name: title }).locator('figcaption').innerText();
  const match = caption.replace(/,(?=\d{3})/g, '').match(/^(\d+) points?/);
  return match ? Number(match[1]) : 0;
}

async function runStatus(): Promise<string> {
  return (await page.locator('h1 .badge').innerText()).trim();
}

async function startRunFromForm(dataset: string, settings: Record<string, string>, screenshots?: string): Promise<string> {
  await open('New run');
  await page.getByRole('radio', { name: new RegExp(dataset) }).check();
  await page.getByRole('button', { name: 'Next: model' }).click();
  await page.getByRole('radio', { name: /tiny/ }).check();
  await page.getByRole('button', { name: 'Next: settings' }).click();
  for (const [label, value] of Object.entries(settings)) await page.getByLabel(label, { exact: true }).fill(value);
  if (screenshots) await screenshot(page, `${screenshots}-settings`);
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect.poll(() => page.getByLabel('Config YAML').innerText()).toContain('max_epochs');
  if (screenshots) await screenshot(page, `${screenshots}-review`);
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.waitForURL(/#\/runs\/.+/);
  return decodeURIComponent(page.url().split('#/runs/')[1]);
}

describe('a first-time user in the browser', () => {
  it('sees the devices and the next step on Home', async () => {
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Devices' }).innerText(), { timeout: TRAINING }).toMatch(/CPU/);
    await screenshot(page, '1-home');
  });

  it('imports the sample CSV by path and sees what Airlock detected', async () => {
    await open('Datasets');
    await page.getByLabel('Dataset file or folder path').fill(SAMPLE);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const detection = page.getByLabel('Detection result');
    await expect.poll(() => detection.innerText(), { timeout: TRAINING }).toContain('definition');
    expect(await detection.innerText()).toContain('topic');
    expect(await page.getByRole('table', { name: 'Preview' }).locator('tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, '2-datasets');
  });

  it('imports a bad file and is told what is wrong, with nothing stored', async () => {
    const bad = join(dir.path, 'one-class.csv');
    writeFileSync(bad, 'text,label\n' + Array.from({ length: 20 }, (_, index) => `sentence ${index},same`).join('\n') + '\n');
    const before = await host.services.datasets.list().length;
    await page.getByLabel('Dataset file or folder path').fill(bad);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain('Error code: LABEL_COLUMN_SINGLE_CLASS');
    expect(host.services.datasets.list().length).toBe(before);
    await screenshot(page, '3-dataset-error');
  });

  it('uploads a file from the page', async () => {
    const reviews = writeSentimentCsv(join(dir.path, 'reviews.csv'), 400);
    await page.getByLabel('Choose a file to upload').setInputFiles(reviews);
    await expect.poll(() => page.getByLabel('Detection result').innerText(), { timeout: TRAINING }).toContain('sentiment');
  });

  it('imports the tiny model folder into the offline cache', async () => {
    await open('Models');
    await page.getByLabel('Model folder path').fill(tinyModelPath());
    await page.getByLabel('Name in the cache (optional)').fill('tiny-bert');
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Cached models' }).innerText()).toContain('tiny-bert');
    await screenshot(page, '4-models');
  });

  it('builds a config in the form, starts a run, and watches the chart grow until it completes', async () => {
    const runId = await startRunFromForm('reviews', { 'Max epochs': '2', 'Batch size': '8' }, '5-new-run');
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          seen.add(await chartPoints('Training loss'));
          return runStatus();
        },
        { timeout: TRAINING, interval: 100 },
      )
      .toBe('completed');
    seen.add(await chartPoints('Training loss'));
    // The chart gained points while the run was live, not only once at the end.
    expect([...seen].filter((count) => count > 0).length).toBeGreaterThan(1);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(3); // step events come about twice a second
    await page.getByRole('table', { name: 'Confusion matrix' }).waitFor();
    expect(await page.getByRole('table', { name: 'Per-class precision, recall and F1' }).innerText()).toContain('positive');
    expect(host.services.runs.get(runId)?.status).toBe('completed');
    await screenshot(page, '6-run');
  });

  it('finds the run in History', async () => {
    await open('History');
    const table = page.getByRole('table', { name: 'Runs' });
    await expect.poll(() => table.innerText()).toContain('completed');
    expect(await table.innerText()).toContain('tiny-bert');
    await screenshot(page, '7-history');
  });

  it('registers the run, tries the model, and exports it to a folder that verifies', async () => {
    await page.getByRole('table', { name: 'Runs' }).getByRole('link', { name: 'reviews' }).click();
    await page.getByRole('form', { name: "Register this run's model" }).getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'reviews v1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
    await page.getByLabel('Text to classify').fill('the food was fresh and tasty');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Prediction' }).innerText(), { timeout: TRAINING }).toMatch(/positive|negative/);
    const media = join(dir.path, 'usb');
    mkdirSync(media);
    await page.getByLabel('Export folder').fill(media);
    await page.getByRole('button', { name: 'Export reviews@1' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Verification result' }).innerText(), { timeout: TRAINING }).toContain('every size and SHA-256 as listed');
    expect(existsSync(join(media, 'reviews-v1', 'manifest.json'))).toBe(true);
    await screenshot(page, '8-registry');
    await open('Sync');
    expect(await page.getByRole('table', { name: 'Pending and failed items' }).innerText()).toContain('reviews@1');
    await screenshot(page, '8-sync');
  });

  it('cancels a run and resumes it to the end', async () => {
    const runId = await startRunFromForm('wordnet-topics', { 'Max epochs': '2', 'Batch size': '8', 'Max length': '32' });
    await expect.poll(() => chartPoints('Training loss'), { timeout: TRAINING }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(runStatus, { timeout: TRAINING }).toBe('cancelled');
    const stepsAtCancel = await chartPoints('Training loss');
    await screenshot(page, '9-run-cancelled');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(runStatus, { timeout: TRAINING * 2 }).toBe('completed');
    expect(await chartPoints('Training loss')).toBeGreaterThan(stepsAtCancel);
    const run = host.services.runs.get(runId);
    expect(run?.status).toBe('completed');
    expect(run?.attempts).toBe(2);
  });

  it('compares two runs in History', async () => {
    await open('History');
    const boxes = page.getByRole('checkbox', { name: /^Select run/ });
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('heading', { name: 'Comparing 2 runs' }).waitFor();
    expect(await page.getByRole('table', { name: 'Config differences' }).innerText()).toContain('data.text_column');
    await screenshot(page, '10-history-compare');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(page, '11-history-dark');
    expect(pageErrors).toEqual([]);
  });
});
