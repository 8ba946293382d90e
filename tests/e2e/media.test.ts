// End to end, the image path of issue 10: a folder of class subfolders of pictures is imported by its path, a
// tiny image model is picked (a text model is marked as not fitting), trained, registered and tried with a
// picture. The built renderer in Debian's Chromium through the real web host, real services and the real trainer.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, openScreen, screenshot, type AppSession } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';
import { makeMediaFolder, tinyMediaModelPath } from '../helpers/media.ts';

const SLOW = 90_000;

let dir: ReturnType<typeof tempDir>;
let app: AppSession;
let page: Page;
let folder = '';

beforeAll(async () => {
  dir = tempDir('airlock-e2e-media-');
  folder = makeMediaFolder('colours', join(dir.path, 'colours'), ['--per-class', '20', '--size', '32']);
  app = await openApp(join(dir.path, 'home'));
  page = app.page;
}, SLOW);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await screenshot(page, `media-failed-${context.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
});

afterAll(async () => {
  await app?.close();
  dir?.cleanup();
});

describe('an analyst trains a picture classifier in the app', () => {
  it('imports a folder of class subfolders and sees its pictures described', async () => {
    await openScreen(page, 'Datasets');
    await page.getByLabel('Dataset file or folder path').fill(folder);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByLabel('Detection result').innerText(), { timeout: SLOW }).toContain('image');
    const files = await page.getByLabel('What the files hold').innerText();
    expect(files).toContain('60');
    expect(files).toMatch(/Width \(px\)\s*32–32/);
    expect(files).toContain('PNG: 60');
  });

  it('picks the image model (the text model is marked as not fitting), trains, sees its mistakes, registers and tries a picture', async () => {
    await openScreen(page, 'Models');
    await page.getByLabel('Model folder path').fill(tinyMediaModelPath('vit'));
    await page.getByLabel('Name in the cache (optional)').fill('tiny-vit');
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Cached models' }).innerText()).toContain('tiny-vit');

    await openScreen(page, 'New run');
    await page.getByRole('radio', { name: /colours/ }).check();
    await page.getByRole('button', { name: 'Next: model' }).click();
    await expect.poll(() => page.getByRole('radio', { name: /tiny-vit/ }).isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('note').filter({ hasText: 'Does not fit' }).first().innerText()).toContain('reads text, and this dataset holds pictures');
    await page.getByRole('button', { name: 'Next: settings' }).click();
    for (const [label, value] of Object.entries({ 'Max epochs': '1', 'Batch size': '16', 'Learning rate': '0.0001' })) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Next: review' }).click();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/runs\/.+/);
    await expect.poll(async () => (await page.locator('h1 .badge').innerText()).trim(), { timeout: SLOW, interval: 250 }).toBe('completed');
    // one short epoch at a low learning rate leaves mistakes: the gallery shows each with its picture
    const gallery = page.getByLabel('Misclassified examples');
    await gallery.waitFor();
    const picture = gallery.locator('img').first();
    await expect.poll(() => picture.evaluate((image) => (image as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBe(32);
    await screenshot(page, 'media-mistakes');
    expect(await gallery.locator('figcaption').first().innerText()).toMatch(/is (red|green|blue), predicted (red|green|blue) \(\d+(\.\d+)?%\)/);
    await page.getByRole('form', { name: "Register this run's model" }).getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'colours v1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();

    await page.getByLabel('Picture to classify').fill(join(folder, 'green', 'green_0004.png'));
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    const answer = page.getByRole('status', { name: 'Prediction' });
    await answer.waitFor({ timeout: SLOW });
    expect(await answer.innerText()).toMatch(/^(red|green|blue) — \d/);
    expect(await page.getByRole('table', { name: "Every label's probability" }).locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'media-try-it');
    expect(app.pageErrors).toEqual([]);
  });
});
