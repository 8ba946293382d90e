// The real packaged app, started: only where the release machine provides the official Electron zip
// (AIRLOCK_ELECTRON_DIST) and its headers (AIRLOCK_ELECTRON_HEADERS, without which better-sqlite3 keeps
// Node's ABI and the app cannot start). Skipped (and reported as skipped) everywhere else.
//
// Playwright's `_electron.launch` cannot drive a release build: it starts Electron with `--inspect=0` and
// waits for "Debugger listening on …", which the EnableNodeCliInspectArguments fuse switched off. So the
// app is started as a user would, plus Chromium's `--remote-debugging-port=0` (no fuse governs it), and
// Playwright attaches over CDP to the window the app opened.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/home.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const GIVEN = process.env.AIRLOCK_ELECTRON_DIST;
const START = 60_000;

let dir: ReturnType<typeof tempDir>;
let app: ChildProcess | undefined;
let xvfb: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let appDir: string;

/** A display: the session's own, or an Xvfb started for the test. */
function display(): string {
  if (process.env.DISPLAY) return process.env.DISPLAY;
  if (spawnSync('Xvfb', ['-help']).error) throw new Error('The smoke test needs a display: set DISPLAY or install Xvfb (Debian: apt-get install xvfb).');
  const number = `:${90 + (process.pid % 9)}`;
  xvfb = spawn('Xvfb', [number, '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  return number;
}

/** Waits until the Xvfb started above accepts clients (its socket exists). */
async function displayReady(number: string): Promise<void> {
  if (!xvfb) return;
  const socket = `/tmp/.X11-unix/X${number.slice(1)}`;
  for (let tries = 0; tries < 100 && !existsSync(socket); tries++) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  if (!existsSync(socket)) throw new Error(`Xvfb ${number} did not start (no ${socket}).`);
}

/** Starts the packaged executable and resolves its DevTools endpoint from stderr. */
function startApp(executable: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const args = ['--remote-debugging-port=0', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    app = spawn(executable, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`The app printed no DevTools endpoint within ${START / 1000} s:\n${log}`)), START);
    app.stdout?.on('data', (chunk) => (log += chunk));
    app.stderr?.on('data', (chunk) => {
      log += chunk;
      const match = log.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    app.on('exit', (code) => reject(new Error(`The app exited (${code}) before opening a window:\n${log}`)));
  });
}

describe.skipIf(!GIVEN)('the packaged app with the real Electron (AIRLOCK_ELECTRON_DIST)', () => {
  beforeAll(async () => {
    if (!process.env.AIRLOCK_ELECTRON_HEADERS) throw new Error('Set AIRLOCK_ELECTRON_HEADERS too: without it better-sqlite3 keeps the Node.js ABI and the packaged app cannot start.');
    dir = tempDir('airlock-smoke-');
    const out = join(dir.path, 'out');
    const built = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'build/dist.ts'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, AIRLOCK_DIST_OUT: out } });
    if (built.status !== 0) throw new Error('npm run dist failed.');
    appDir = join(out, process.arch === 'x64' ? 'linux-unpacked' : `linux-${process.arch}-unpacked`);
    const screen = display();
    await displayReady(screen);
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: screen, AIRLOCK_HOME: join(dir.path, 'home') };
    // The trainer's Python: this checkout's environment, as an installed runtime would provide it.
    if (existsSync(join(ROOT, '.venv', 'bin', 'python'))) env.AIRLOCK_PYTHON = join(ROOT, '.venv', 'bin', 'python');
    const endpoint = await startApp(join(appDir, 'airlock'), env);
    browser = await chromium.connectOverCDP(endpoint);
    const context = browser.contexts()[0];
    await expect.poll(() => context.pages().find((candidate) => candidate.url().startsWith('app://')), { timeout: START }).toBeDefined();
    page = context.pages().find((candidate) => candidate.url().startsWith('app://')) as Page;
    page.setDefaultTimeout(30_000);
  }, 900_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    app?.kill('SIGTERM');
    xvfb?.kill('SIGTERM');
    dir?.cleanup();
  });

  it('has the release fuses in the real executable', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'airlock'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(48);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(48);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(48);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(49);
  });

  it('opens on Home', async () => {
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await screenshot(page, 'packaged-1-home');
  });

  it('imports the sample shipped in the package and sees what Airlock detected, then goes back Home', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
    const sample = join(appDir, 'resources', 'app.asar.unpacked', 'resources', 'sample', 'wordnet-topics.csv');
    await page.getByLabel('Dataset file path').fill(sample);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByLabel('Detection result').innerText(), { timeout: 120_000 }).toContain('definition');
    await screenshot(page, 'packaged-2-datasets');
    await page.getByRole('navigation').getByRole('link', { name: 'Home', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  });
});
