// Part of `npm run bench:ui`: the Run screen of a 100,000-step run (300,000 metric points) in Debian's
// Chromium through the real web host: time until the charts show every point, the longest main-thread
// task meanwhile, and the same for 100 live steps arriving afterwards. Prints the figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createServices } from '../../electron/services/index.ts';
import { parseConfig } from '../../electron/services/config/yaml.ts';
import { newRunId } from '../../electron/services/runs/supervisor.ts';
import { startWebHost } from '../../electron/web/host.ts';
import type { TrainerEvent } from '../../schemas/events.ts';
import { launchBrowser } from '../helpers/browser.ts';

const STEPS = 100_000;
const KEYS = ['train/loss', 'train/learning_rate', 'train/samples_per_s'];

if (spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
const home = mkdtempSync(join(tmpdir(), 'airlock-bench-ui-'));
const services = await createServices(home);
const runId = newRunId();
const runDir = join(services.paths.runs, runId);
mkdirSync(runDir, { recursive: true });
const start = Date.now() - STEPS * 500;
const config = parseConfig({ model: { name: 'bench' }, data: { train_path: '/bench.csv', text_column: 'text', label_column: 'label' }, experiment: { name: 'long-run' } });
services.runs.create({ id: runId, experiment: 'long-run', datasetId: null, modelId: 'bench', config, runDir, createdAt: new Date(start).toISOString() });
services.runs.markStarted(runId, process.pid, new Date(start).toISOString());
for (const key of KEYS) {
  services.runs.addMetrics(runId, Array.from({ length: STEPS }, (_, step) => ({ key, step, value: 2 * Math.exp(-step / 30_000) + 0.05 * Math.sin(step / 40), ts: new Date(start + step * 500).toISOString() })));
}

/** Milliseconds until `done` holds, and the longest main-thread task seen meanwhile. */
async function timed(page: Page, action: () => Promise<void>, done: () => Promise<void>): Promise<{ ms: number; longestTaskMs: number }> {
  // Run in the page (as source text: this file is type-checked without the DOM library).
  await page.evaluate(`window.longest = 0;
    new PerformanceObserver((list) => list.getEntries().forEach((entry) => (window.longest = Math.max(window.longest, entry.duration)))).observe({ type: 'longtask' });`);
  const started = performance.now();
  await action();
  await done();
  const ms = performance.now() - started;
  return { ms, longestTaskMs: Number(await page.evaluate('window.longest')) };
}

const host = await startWebHost({ services });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(host.url);
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  const caption = (count: number) => page.getByRole('figure', { name: 'Training loss' }).locator('figcaption').filter({ hasText: `${count.toLocaleString('en-US')} points` });
  const open = await timed(page, () => page.evaluate(`location.hash = '/runs/${runId}'`), () => caption(STEPS).waitFor({ timeout: 120_000 }));
  const live = await timed(
    page,
    async () => {
      for (let step = STEPS; step < STEPS + 100; step++) {
        const event: TrainerEvent = { v: 1, run_id: runId, seq: step, ts: new Date().toISOString(), type: 'step', step, total_steps: 2 * STEPS, epoch: 0, loss: 0.3, learning_rate: 1e-5, samples_per_s: 100, tokens_per_s: 1000 };
        services.supervisor.emit('event', runId, event);
      }
    },
    () => caption(STEPS + 100).waitFor({ timeout: 60_000 }),
  );
  console.log(`Run screen of a ${STEPS.toLocaleString('en-US')}-step run (${(STEPS * KEYS.length).toLocaleString('en-US')} points) in Chromium ${browser.version()}:`);
  console.log(`  open until every point is charted: ${open.ms.toFixed(0)} ms, longest main-thread task ${open.longestTaskMs.toFixed(0)} ms`);
  console.log(`  100 live steps until charted:      ${live.ms.toFixed(0)} ms, longest main-thread task ${live.longestTaskMs.toFixed(0)} ms`);
} finally {
  await browser.close();
  await host.close();
  services.close();
  rmSync(home, { recursive: true, force: true });
}
