// End to end in Chromium: the first start on a workstation with no trainer runtime at all, through the web host
// over real services. AIRLOCK_DEV_VENV points at an empty folder and AIRLOCK_PYTHON is unset, so the launcher finds
// no Python, as on a fresh workstation. The packs here are small real packs (sealed, verified, installed by the same
// code) that fail at a known step in seconds; a full install of the real pack runs when AIRLOCK_RUNTIME_PACK names one
// (about 2.5 minutes on two cores; tests/runtime/install-offline.test.ts covers it in CI).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeInfo } from '../../schemas/runtime.ts';
import { createServices, type Services } from '../../electron/services/index.ts';
import { currentPlatform } from '../../electron/services/runtime/layout.ts';
import { sealPack } from '../../electron/services/runtime/pack.ts';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';

const FIRST_START = 'Install the training runtime from removable media';
const INSTALL = 600_000;

let dir: ReturnType<typeof tempDir>;
let services: Services;
let host: WebHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** A small pack: a lock naming one package that no pack holds, placeholder wheels and models; sealed for real. */
async function smallPack(name: string): Promise<string> {
  const folder = join(dir.path, name);
  mkdirSync(join(folder, 'wheels'), { recursive: true });
  mkdirSync(join(folder, 'models'), { recursive: true });
  writeFileSync(join(folder, 'requirements.lock'), `airlock-not-in-this-pack==1.0 --hash=sha256:${'0'.repeat(64)}\n`);
  writeFileSync(join(folder, 'wheels', 'README.txt'), 'no wheels\n');
  writeFileSync(join(folder, 'models', 'README.txt'), 'no models\n');
  const runtime: RuntimeInfo = { version: '0.0.1', platform: currentPlatform(), python: '3.11', variant: 'cpu', torch: '2.13.0+cpu', lock: 'requirements.lock', wheels: 'wheels', models: 'models' };
  const out = join(dir.path, `${name}-out`);
  mkdirSync(out);
  return (await sealPack(folder, runtime, out)).archive;
}

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer did not build.');
  dir = tempDir('airlock-e2e-runtime-');
  mkdirSync(join(dir.path, 'no-venv'));
  process.env.AIRLOCK_DEV_VENV = join(dir.path, 'no-venv');
  delete process.env.AIRLOCK_PYTHON;
  services = await createServices(join(dir.path, 'home'));
  host = await startWebHost({ services });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(host.url);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  services?.close();
  dir?.cleanup();
});

const step = (label: RegExp) => page.getByRole('list', { name: 'Install steps' }).getByRole('listitem', { name: label });

async function installFrom(path: string): Promise<void> {
  await page.getByLabel('Runtime pack (.tar)').fill(path);
  await page.getByRole('button', { name: 'Install', exact: true }).click();
}

/** The error box's text: plain words and the code, never a stack trace. */
async function shownError(): Promise<string> {
  const text = await page.getByRole('alert').innerText();
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+|Error: /);
  return text;
}

describe('first start with no trainer runtime', () => {
  it('opens on the install screen instead of Home', async () => {
    await page.getByRole('heading', { level: 1, name: FIRST_START }).waitFor();
    await expect.poll(() => page.evaluate('window.location.hash')).toBe('#/runtime');
    expect(await page.getByRole('region', { name: 'In use' }).innerText()).toContain('No training runtime is present');
    await screenshot(page, 'runtime-first-start');
  });

  it('refuses a file that is not a pack, with its code and a plain message', async () => {
    const notes = join(dir.path, 'notes.txt');
    writeFileSync(notes, 'meeting notes\n'.repeat(100));
    await installFrom(notes);
    await page.getByRole('alert').waitFor();
    const text = await shownError();
    expect(text).toContain('is not a runtime pack');
    expect(text).toContain('Error code: INVALID_INPUT');
    expect(await step(/^Check the pack/).getAttribute('aria-label')).toMatch(/failed$/);
  });

  it('refuses a tampered pack before installing anything, naming the changed file', async () => {
    const archive = await smallPack('tampered');
    const bytes = readFileSync(archive);
    const at = bytes.indexOf('airlock-not-in-this-pack');
    bytes[at] = 'A'.charCodeAt(0);
    const tampered = join(dir.path, 'tampered.tar');
    writeFileSync(tampered, bytes);
    await installFrom(tampered);
    await expect.poll(async () => (await page.getByRole('alert').innerText()).includes('BUNDLE_FILE_CHANGED')).toBe(true);
    const text = await shownError();
    expect(text).toContain('requirements.lock does not match its SHA-256');
    expect(await step(/^Find the workstation/).getAttribute('aria-label')).toMatch(/not started$/);
    await screenshot(page, 'runtime-tampered');
  });

  it('follows the stages of a pack that verifies and then cannot install, and says the previous runtime stays', async () => {
    await installFrom(await smallPack('unresolvable'));
    await expect.poll(async () => (await page.getByRole('alert').innerText().catch(() => '')).includes('RUNTIME_INSTALL_FAILED'), { timeout: 120_000 }).toBe(true);
    await shownError();
    expect(await step(/^Check the pack/).getAttribute('aria-label')).toMatch(/done$/);
    expect(await step(/^Find the workstation/).getAttribute('aria-label')).toMatch(/done$/);
    expect(await step(/^Install the packages/).getAttribute('aria-label')).toMatch(/failed$/);
    expect(await step(/^Self-check/).getAttribute('aria-label')).toMatch(/not started$/);
    expect(await page.getByRole('alert').innerText()).toContain('The previous runtime (if any) stays in use');
    await screenshot(page, 'runtime-install-failed');
  });

  it('is reachable from Home, which says no runtime is installed', async () => {
    await page.evaluate('window.location.hash = "#/"');
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await page.getByRole('link', { name: 'Install it from removable media' }).click();
    await page.getByRole('heading', { level: 1, name: FIRST_START }).waitFor();
  });

  it.skipIf(!process.env.AIRLOCK_RUNTIME_PACK)('installs a real pack: every stage completes, the self-check shows, then Home names the runtime', { timeout: INSTALL }, async () => {
    await installFrom(process.env.AIRLOCK_RUNTIME_PACK!);
    const passed = page.getByRole('status', { name: 'Self-check passed' });
    await passed.waitFor({ timeout: INSTALL - 30_000 });
    expect(await passed.innerText()).toMatch(/Self-check passed: torch .*; trained 2 steps in/);
    for (const label of [/^Check the pack/, /^Find the workstation/, /^Install the packages/, /^Add the default model/, /^Self-check/]) expect(await step(label).getAttribute('aria-label')).toMatch(/done$/);
    await screenshot(page, 'runtime-installed');
    await page.getByRole('button', { name: 'Continue to Home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await expect.poll(() => page.getByText(/^Runtime: \d+\.\d+\.\d+ cpu — Install a newer pack$/).count()).toBe(1);
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
