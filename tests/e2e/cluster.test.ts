// End to end in Chromium, issue 12 as a user meets it: a config from the New run form written as a cluster job
// folder ("Run on a cluster"), and a cluster run brought back from a job's out/ folder ("Import a cluster run")
// onto the Run screen. The out/ folder is real: a 1-node job exported with the CLI and trained by its own
// launch_torchrun.sh on the CPU. Screenshots go to test-results/screenshots/cluster-*.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, openScreen, screenshot, type AppSession } from '../helpers/browser.ts';
import { airlock } from '../helpers/cli.ts';
import { jsonLines, singleNodeEnv } from '../helpers/cluster-job.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';

const TRAINING = 120_000; // an upper bound to wait, not a speed target

let dir: ReturnType<typeof tempDir>;
let home: string;
let csv: string;
let app: AppSession;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer did not build.');
  dir = tempDir('airlock-e2e-cluster-');
  home = join(dir.path, 'home');
  csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 10);
  const dataset = airlock(home, ['import', csv, '--json']);
  if (dataset.code !== 0) throw new Error(dataset.stderr);
  const model = airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']);
  if (model.code !== 0) throw new Error(model.stderr);
  app = await openApp(home);
}, TRAINING);

afterAll(async () => {
  await app?.close();
  dir?.cleanup();
});

/** Trains a 1-node, 1-process job folder with its own launcher, as an operator would on node 0; returns its out/. */
async function trainJobOnThisMachine(job: string): Promise<string> {
  const env = await singleNodeEnv();
  const result = spawnSync('bash', [join(job, 'launch_torchrun.sh')], { encoding: 'utf8', env, cwd: dir.path, timeout: TRAINING });
  const out = join(job, 'out');
  const log = join(out, 'logs', 'node-0.log');
  expect(result.status, `${result.stderr}\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : ''}`).toBe(0);
  return out;
}

describe('a run past one machine, in the browser', () => {
  it('writes a 2-node job folder from the New run review step and shows its hash and commands', async () => {
    const { page } = app;
    await openScreen(page, 'New run');
    await page.getByRole('radio', { name: /reviews/ }).check();
    await page.getByRole('button', { name: 'Next: model' }).click();
    await page.getByRole('radio', { name: /tiny/ }).check();
    await page.getByRole('button', { name: 'Next: settings' }).click();
    await page.getByLabel('Max epochs', { exact: true }).fill('1');
    await page.getByLabel('Batch size', { exact: true }).fill('8');
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect.poll(() => page.getByLabel('Config YAML').innerText()).toContain('max_epochs');

    await page.getByRole('button', { name: 'Run on a cluster' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run on a cluster' });
    await dialog.getByLabel('Nodes (machines)').fill('2');
    await dialog.getByLabel('GPUs per node').fill('1');
    await expect.poll(() => dialog.innerText()).toContain('2 processes in all');
    const job = join(dir.path, 'usb', 'reviews-2x1');
    await dialog.getByLabel('Job folder to write').fill(job);
    await dialog.getByRole('button', { name: 'Write the job folder' }).click();

    const written = page.getByRole('status', { name: 'Job folder written' });
    await written.waitFor({ timeout: TRAINING });
    expect(await written.innerText()).toContain(job);
    const hash = (await written.getByLabel('Config SHA-256').innerText()).trim();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const torchrun = await written.getByLabel('torchrun command').innerText();
    expect(torchrun).toContain('launch_torchrun.sh');
    expect(torchrun).toContain('NNODES=2');
    // The whole command is on screen to copy, not cut off at the card's edge behind a scroll bar.
    const hidden = await written.getByLabel('torchrun command').evaluate((pre) => pre.scrollWidth - pre.clientWidth);
    expect(hidden).toBeLessThanOrEqual(0);
    expect(await written.getByLabel('SLURM command').innerText()).toContain('sbatch');
    await screenshot(page, 'cluster-1-export');

    // What the screen says is on disk: the folder, its manifest, and the config the hash names.
    expect(existsSync(join(job, 'MANIFEST.sha256'))).toBe(true);
    const manifest = spawnSync('sha256sum', ['--strict', '--quiet', '-c', 'MANIFEST.sha256'], { cwd: job, encoding: 'utf8' });
    expect(manifest.status, manifest.stdout + manifest.stderr).toBe(0);
    const jobFile = JSON.parse(readFileSync(join(job, 'job.json'), 'utf8'));
    expect(jobFile).toMatchObject({ nodes: 2, gpus_per_node: 1, config_sha256: hash });
    expect(readFileSync(join(job, 'config.yaml'), 'utf8')).toMatch(/num_nodes: 2/);
  });

  it('imports a cluster run from its out/ folder in History and shows its nodes, attempts and metrics', async () => {
    const config = writeTinyRunConfig(join(dir.path, 'run.yaml'), csv, { training: { max_epochs: 1 } });
    const job = join(dir.path, 'usb', 'reviews-1x1');
    const exported = airlock(home, ['cluster', 'export', config, '--nodes', '1', '--gpus-per-node', '1', '--to', job]);
    expect(exported.code, exported.stderr).toBe(0);
    const out = await trainJobOnThisMachine(job);
    expect(jsonLines(join(out, 'attempts.jsonl'))).toMatchObject([{ node_rank: 0, exit_code: 0, nnodes: 1, nproc_per_node: 1 }]);
    const runId = JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')).run_id as string;

    const { page, host } = app;
    await openScreen(page, 'History');
    await page.getByText('Import a cluster run').click();
    await page.getByLabel("The job's out folder").fill(out);
    await page.getByRole('button', { name: 'Import run' }).click();
    await page.waitForURL(new RegExp(`#/runs/${runId}`), { timeout: TRAINING });

    const cluster = page.getByLabel('Cluster', { exact: true });
    await expect.poll(() => cluster.innerText()).toContain('1 node × 1 device (world 1)');
    expect(await cluster.innerText()).toContain(out);
    const attempts = page.getByRole('table', { name: 'Attempts on the cluster' });
    expect(await attempts.locator('tbody tr').count()).toBe(1);
    expect(await attempts.innerText()).toMatch(/completed[\s\S]*node 0 \(.+\) exit 0/);
    expect((await page.locator('h1 .badge').innerText()).trim()).toBe('completed');
    const caption = await page.getByRole('figure', { name: 'Training loss' }).locator('figcaption').innerText();
    expect(Number(caption.match(/^(\d+) points?/)?.[1] ?? 0)).toBeGreaterThan(0);
    expect(await page.getByRole('table', { name: 'Final metrics' }).locator('tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, 'cluster-2-imported-run');

    const run = host.services.runs.get(runId);
    expect(run?.status).toBe('completed');
    expect(app.pageErrors).toEqual([]);
  });
});
