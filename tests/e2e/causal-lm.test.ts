// End to end, the app path of issue 11: a JSONL of prompt/completion pairs is imported, the tiny Llama is picked
// from the model cache and fine-tuned with LoRA from the New run form, the sample generations fill in epoch by
// epoch, the run is registered, a held-out prompt gets its answer streamed into the prompt box, and the adapter
// and the merged model are exported and verified. The built renderer in Debian's Chromium through the real web
// host, real services, the real trainer and the real model workers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';
import type { Notice } from '../../schemas/api.ts';
import { launchBrowser, openScreen, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';

const SLOW = 120_000; // an upper bound to wait on a loaded 2-core machine, not a speed target

/**
 * "n: 7777" → odd or even, by the parity of the digit the number repeats. The lengths 5 and 9 never occur in the
 * data, so "n: 55555" is a prompt the model has not seen. (A repeated digit, rather than any number's last digit,
 * is what a two-layer model with 32 dimensions learns in a few LoRA epochs every time.)
 */
function writeParity(path: string): string {
  const rows: string[] = [];
  for (let copy = 0; copy < 4; copy++) {
    for (let digit = 0; digit < 10; digit++) {
      for (const length of [1, 2, 3, 4, 6, 7, 8]) rows.push(JSON.stringify({ prompt: `n: ${String(digit).repeat(length)}`, completion: digit % 2 ? 'odd' : 'even' }));
    }
  }
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}

/** What the form is given: LoRA on every linear layer and the output layer, at a rate a tiny model learns from quickly. */
const SETTINGS = {
  'Max epochs': '15',
  'Learning rate': '0.01',
  'LoRA rank (r)': '16',
  'LoRA alpha': '32',
  'LoRA target layers': 'q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head',
};

let dir: ReturnType<typeof tempDir>;
let host: WebHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** The `generate` notices the page received over its WebSocket, in order. */
const generateNotices: Extract<Notice, { kind: 'generate' }>[] = [];

beforeAll(async () => {
  dir = tempDir('airlock-e2e-lm-');
  host = await startWebHost({ home: join(dir.path, 'home') });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      const notice = JSON.parse(String(payload)) as Notice;
      if (notice.kind === 'generate') generateNotices.push(notice);
    }),
  );
  await page.goto(host.url);
}, SLOW);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await screenshot(page, `causal-lm-failed-${context.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  dir?.cleanup();
});

const generations = () => page.getByRole('region', { name: 'Sample generations' });

/** The prompt, reference and answer of each sample the panel shows. */
async function samplesShown(): Promise<string[][]> {
  return generations()
    .getByRole('article')
    .evaluateAll((articles) => articles.map((article) => [...article.querySelectorAll('pre')].map((pre) => pre.textContent ?? '')));
}

describe('a user fine-tunes a language model with LoRA in the app', () => {
  let runId = '';

  it('imports prompt/completion pairs and the tiny Llama', async () => {
    await openScreen(page, 'Datasets');
    await page.getByLabel('Dataset file or folder path').fill(writeParity(join(dir.path, 'parity.jsonl')));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByLabel('Detection result').innerText(), { timeout: SLOW }).toContain('text generation');
    await screenshot(page, 'causal-lm-1-dataset');

    await openScreen(page, 'Models');
    await page.getByLabel('Model folder path').fill(tinyModelPath('llama'));
    await page.getByLabel('Name in the cache (optional)').fill('tiny-llama');
    await page.getByRole('button', { name: 'Import model' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Cached models' }).innerText()).toContain('tiny-llama');
  });

  it('trains with LoRA from the New run form and watches the sample answers improve until they are right', async () => {
    await openScreen(page, 'New run');
    await page.getByRole('radio', { name: /parity/ }).check();
    await page.getByRole('button', { name: 'Next: model' }).click();
    await expect.poll(() => page.getByRole('radio', { name: /tiny-llama/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Next: settings' }).click();
    await expect.poll(() => page.getByLabel('Data format').inputValue()).toBe('prompt_completion');
    await page.getByLabel('Fine-tuning method').selectOption('lora');
    for (const [label, value] of Object.entries(SETTINGS)) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByText('Advanced settings').click();
    await page.getByLabel('Longest sample answer (tokens)').fill('6');
    await screenshot(page, 'causal-lm-2-settings');
    await page.getByRole('button', { name: 'Next: review' }).click();
    const yaml = page.getByLabel('Config YAML');
    await expect.poll(() => yaml.innerText()).toContain('finetuning: lora');
    expect(await yaml.innerText()).toMatch(/target_modules:\s*\n(\s*- \w+\s*\n){7}\s*- lm_head/);
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/runs\/.+/);
    runId = decodeURIComponent(page.url().split('#/runs/')[1]);

    // The panel fills in while the run is live, epoch by epoch.
    const epochsSeen = new Set<string>();
    let live = true;
    await expect
      .poll(
        async () => {
          const status = generations().getByRole('status');
          if ((await status.count()) > 0) epochsSeen.add(await status.innerText());
          if (live && epochsSeen.size > 0) {
            live = false;
            await screenshot(page, 'causal-lm-3-run-live');
          }
          return (await page.locator('h1 .badge').innerText()).trim();
        },
        { timeout: SLOW, interval: 250 },
      )
      .toBe('completed');
    expect([...epochsSeen].every((status) => /^Epoch \d+: 3 answers\.$/.test(status))).toBe(true);
    expect(epochsSeen.size).toBeGreaterThan(1);

    const picker = generations().getByLabel('Answers after');
    expect(await picker.locator('option').allInnerTexts()).toEqual(['Epoch 15 (newest)', ...Array.from({ length: 14 }, (_, i) => `Epoch ${14 - i}`)]);
    const last = await samplesShown();
    expect(last).toHaveLength(3);
    for (const [prompt, reference, answer] of last) {
      expect(prompt).toMatch(/^n: \d+$/);
      expect(answer, prompt).toBe(reference);
    }
    await screenshot(page, 'causal-lm-4-run-done');
    // After the first epoch the same prompts were not all answered right: the user saw the model learn.
    await picker.selectOption({ label: 'Epoch 1' });
    const first = await samplesShown();
    expect(first.map((sample) => sample[0])).toEqual(last.map((sample) => sample[0]));
    expect(first.some(([, reference, answer]) => answer !== reference)).toBe(true);
    expect(existsSync(join(host.services.runs.get(runId)!.modelDir!, 'adapter_model.safetensors'))).toBe(true);
  });

  it('registers the run and gets the right answer to a held-out prompt, streamed into the prompt box', async () => {
    await page.getByRole('form', { name: "Register this run's model" }).getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: /^parity v1$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
    expect(await page.getByLabel('Text to classify').count()).toBe(0);

    for (const [prompt, expected] of [['n: 55555', 'odd'], ['n: 88888', 'even']]) {
      const before = generateNotices.length;
      await page.getByLabel('Prompt', { exact: true }).fill(prompt);
      await page.getByLabel('Max new tokens').fill('8');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.getByLabel('Answer length').waitFor({ timeout: SLOW });
      expect(await page.getByRole('status', { name: 'Answer' }).innerText()).toBe(expected);
      // The answer reached the page token by token, as notices of this one request, before the call returned.
      const pieces = generateNotices.slice(before);
      expect(new Set(pieces.map((notice) => notice.id)).size).toBe(1);
      expect(pieces.map((notice) => notice.text)).toEqual([...expected]);
    }
    await screenshot(page, 'causal-lm-5-prompt');
  });

  it('exports the adapter alone and the merged model, each verified', async () => {
    const usb = join(dir.path, 'usb');
    mkdirSync(usb);
    const panel = page.getByRole('region', { name: 'Export to removable media' });
    await panel.getByLabel('Export folder').fill(usb);
    expect(await panel.getByLabel('Adapter only (small; needs the base model tiny-llama where it is used)').isChecked()).toBe(true);
    await panel.getByRole('button', { name: 'Export parity@1 adapter' }).click();
    const verified = panel.getByRole('status', { name: 'Verification result' });
    await expect.poll(() => verified.innerText(), { timeout: SLOW }).toContain('every size and SHA-256 as listed');
    const adapter = JSON.parse(readFileSync(join(usb, 'parity-v1', 'manifest.json'), 'utf8'));
    expect(adapter.kind).toBe('adapter');
    expect(adapter.base.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await verified.innerText()).toContain(`it needs the base model ${adapter.base.name} where it is used (weights SHA-256 ${adapter.base.sha256})`);

    await panel.getByLabel('Merged model (stands alone)').check();
    await panel.getByRole('button', { name: 'Export parity@1 merged' }).click();
    await expect.poll(() => verified.innerText(), { timeout: SLOW }).toContain(join(usb, 'parity-v1-merged'));
    expect(await verified.innerText()).toMatch(/A whole model \(the adapter merged into \S*tiny-llama\): it stands alone\./);
    expect(JSON.parse(readFileSync(join(usb, 'parity-v1-merged', 'manifest.json'), 'utf8')).kind).toBe('merged');
    expect(existsSync(join(usb, 'parity-v1-merged', 'model', 'model.safetensors'))).toBe(true);
    await screenshot(page, 'causal-lm-6-export');
    expect(pageErrors).toEqual([]);
  });
});
