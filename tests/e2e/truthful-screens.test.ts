// End to end in Chromium: the screens that must tell the truth and survive real names, through the web host over
// real services and the real trainer (tiny model, tiny data). Screenshots go to test-results/screenshots/truthful-*.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/services/index.ts';
import { createApi, type Api } from '../../electron/services/api/handlers.ts';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';

const TRAINING = 120_000;
/** A real file name's length: 246 characters, no spaces to break at. */
const LONG_NAME = `${'quarterly-support-ticket-export-'.repeat(8)}final`.slice(0, 246);
const LONG_EXPERIMENT = `${'escalations-from-the-north-region-'.repeat(6)}v2`.slice(0, 200);

let dir: ReturnType<typeof tempDir>;
let services: Services;
let api: Api;
let host: WebHost;
let browser: Browser;
let page: Page;
let datasetId: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer did not build.');
  dir = tempDir('airlock-e2e-truthful-');
  services = await createServices(join(dir.path, 'home'));
  api = createApi(services);
  host = await startWebHost({ services });
  const model = await api.call('models.import', { path: tinyModelPath(), name: 'tiny' });
  if (!model.ok) throw new Error(model.error.message);
  const imported = await api.call('datasets.import', { path: writeSentimentCsv(join(dir.path, `${LONG_NAME}.csv`), 150) });
  if (!imported.ok) throw new Error(imported.error.message);
  datasetId = imported.data.dataset.id;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(host.url);
}, TRAINING);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  services?.close();
  dir?.cleanup();
});

async function go(route: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(`#${route}`)}`);
}

/** How far the page is wider than the window: 0 when nothing pushes it sideways. */
function overflow(): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
}

async function startRun(epochs: number, experiment: string): Promise<string> {
  const started = await api.call('runs.start', {
    config: {
      model: { name: 'tiny' },
      data: { train_path: datasetId, text_column: 'review', label_column: 'sentiment', max_length: 32, val_split: 0.1 },
      training: { max_epochs: epochs, batch_size: 16, learning_rate: 5e-3, precision: '32-true' },
      experiment: { name: experiment },
    },
  });
  if (!started.ok) throw new Error(started.error.message);
  return started.data.runId;
}

/** Watches the run's progress bar until the run completes; returns every value it showed. */
async function watchUntilCompleted(): Promise<number[]> {
  const values: number[] = [];
  await expect
    .poll(
      async () => {
        const bar = page.getByLabel('Training progress');
        if (await bar.count()) values.push(Number((await bar.getAttribute('value')) ?? 0));
        return (await page.locator('h1 .badge').innerText()).trim();
      },
      { timeout: TRAINING, interval: 100 },
    )
    .toBe('completed');
  return values;
}

async function ticks(figure: string, axis: 'x' | 'y'): Promise<string[]> {
  return page.getByRole('figure', { name: figure }).locator(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`).allTextContents();
}

describe('screens that tell the truth and survive real names', () => {
  it('shows a dataset with a 246-character name without widening the page', async () => {
    await go(`/datasets/${datasetId}`);
    await page.getByRole('heading', { level: 2, name: LONG_NAME }).waitFor();
    expect(await page.getByTitle(LONG_NAME).count()).toBe(2);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-long-dataset-name');
    await go('/new');
    await page.getByRole('radio', { name: new RegExp(LONG_NAME.slice(0, 40)) }).waitFor();
    expect(await page.getByRole('radio').isChecked()).toBe(true); // the only dataset, chosen
    await page.getByRole('button', { name: 'Next: model' }).click();
    expect(await page.getByLabel('Chosen dataset').innerText()).toContain(LONG_NAME.slice(0, 40));
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-new-run-long-dataset-name');
  });

  it('runs 1 epoch: one bar that only moves forward, scores at epoch 1 on a 0–1 axis, a small-split warning', async () => {
    const runId = await startRun(1, 'tickets');
    await go(`/runs/${runId}`);
    const shown = await watchUntilCompleted();
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    await page.getByRole('table', { name: 'Final metrics' }).waitFor();
    expect(await ticks('Validation scores per epoch', 'y')).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(await ticks('Validation scores per epoch', 'x')).toEqual(['1']);
    expect(await page.getByRole('figure', { name: 'Validation scores per epoch' }).locator('figcaption').innerText()).toMatch(/val\/accuracy: 1 point, latest [\d.]+ at epoch 1/);
    expect(await page.getByRole('note', { name: 'Small evaluation set' }).innerText()).toContain('only 30 rows');
    expect(await page.getByLabel('Data counts').innerText()).toBe('270 training, 30 validation rows; 17 steps');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-run-1-epoch');
  });

  it('runs 3 epochs under a 200-character experiment name: epochs 1 to 3, the page no wider than the window', async () => {
    const runId = await startRun(3, LONG_EXPERIMENT);
    await go(`/runs/${runId}`);
    await watchUntilCompleted();
    await page.getByRole('table', { name: 'Final metrics' }).waitFor();
    expect(await ticks('Validation scores per epoch', 'x')).toEqual(['1', '2', '3']);
    expect(await ticks('Loss per epoch', 'x')).toEqual(['1', '2', '3']);
    expect(await page.locator('h1 .name').getAttribute('title')).toBe(LONG_EXPERIMENT);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-run-3-epochs');
  });

  it('keeps Home and History within the window with the long names', async () => {
    await go('/');
    await page.getByRole('table', { name: 'Recent runs' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-home-long-names');
    await go('/history');
    await page.getByRole('table', { name: 'Runs' }).waitFor();
    for (const box of await page.getByRole('checkbox', { name: /^Select run/ }).all()) await box.check();
    await page.getByRole('heading', { name: 'Comparing 2 runs' }).waitFor();
    await expect.poll(() => ticks('val/f1_macro per epoch (overlay)', 'x')).toEqual(['1', '2', '3']);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'truthful-history-long-names');
    expect(pageErrors).toEqual([]);
  });
});
