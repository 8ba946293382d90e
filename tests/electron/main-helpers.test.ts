import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiCalls } from '../../schemas/api.ts';
import { APP_CSP, APP_ENTRY, appResponse, isAppUrl } from '../../electron/main/app-scheme.ts';
import { callChannel, callNames } from '../../electron/preload/channels.ts';
import { isPathPurpose, openDialogOptions, PATH_PURPOSES } from '../../electron/main/dialog-options.ts';
import { isTrustedSender } from '../../electron/main/sender.ts';
import { tempDir } from '../helpers/home.ts';

const dir = tempDir('airlock-app-scheme-');
const rendererDir = join(dir.path, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Airlock</title>');
writeFileSync(join(rendererDir, 'assets', 'app.js'), 'export {};');
writeFileSync(join(dir.path, 'secret.txt'), 'SECRET');
symlinkSync(join(dir.path, 'secret.txt'), join(rendererDir, 'linked.txt'));
afterAll(() => dir.cleanup());

describe('app:// scheme', () => {
  it('serves the renderer with its CSP and content type', async () => {
    const page = appResponse(rendererDir, APP_ENTRY);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(await page.text()).toContain('<title>Airlock</title>');
    expect(appResponse(rendererDir, 'app://airlock/assets/app.js').headers.get('content-type')).toContain('text/javascript');
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).toContain("connect-src 'none'");
    expect(APP_CSP).not.toContain('unsafe-eval');
  });

  it('refuses paths out of the renderer folder and other hosts', async () => {
    for (const url of ['app://airlock/%2e%2e/secret.txt', 'app://airlock/..%2fsecret.txt', 'app://airlock/assets%2f..%2f..%2fsecret.txt', 'app://airlock/index.html%00', 'app://airlock/..%5csecret.txt', 'app://airlock/linked.txt', 'app://other/index.html', 'app://user@airlock/index.html', 'file:///etc/passwd']) {
      const response = appResponse(rendererDir, url);
      expect(response.status, url).toBeGreaterThanOrEqual(400);
      expect(await response.text(), url).not.toContain('SECRET');
    }
  });

  it('knows its own pages', () => {
    expect(isAppUrl('app://airlock/index.html#/runs')).toBe(true);
    for (const url of ['app://airlock.evil/index.html', 'https://airlock/', 'file:///index.html', 'app://x@airlock/', 'not a url', 'devtools://devtools/bundled/inspector.html']) expect(isAppUrl(url), url).toBe(false);
  });
});

describe('IPC', () => {
  const window = { id: 1 } as never;
  const frame = (url: string, parent: unknown = null) => ({ url, parent }) as never;

  it('trusts only the top frame of our window showing an app:// page', () => {
    expect(isTrustedSender({ sender: window, senderFrame: frame(APP_ENTRY) }, window)).toBe(true);
    expect(isTrustedSender({ sender: { id: 2 } as never, senderFrame: frame(APP_ENTRY) }, window)).toBe(false);
    expect(isTrustedSender({ sender: window, senderFrame: frame('https://evil.example/') }, window)).toBe(false);
    expect(isTrustedSender({ sender: window, senderFrame: frame(APP_ENTRY, {}) }, window)).toBe(false);
    expect(isTrustedSender({ sender: window, senderFrame: null }, window)).toBe(false);
    expect(isTrustedSender({ sender: window, senderFrame: frame(APP_ENTRY) }, null)).toBe(false);
  });

  it('has one channel per call of the API table', () => {
    expect(callNames()).toEqual(Object.keys(ApiCalls));
    expect(new Set(callNames().map(callChannel)).size).toBe(Object.keys(ApiCalls).length);
  });

  it('opens files or folders as each purpose needs, and only for known purposes', () => {
    expect(openDialogOptions('dataset').properties).toEqual(['openFile']);
    expect(openDialogOptions('model-folder').properties).toEqual(['openDirectory']);
    expect(openDialogOptions('export-target').properties).toContain('createDirectory');
    for (const purpose of PATH_PURPOSES) expect(openDialogOptions(purpose).title).toBeTruthy();
    expect(isPathPurpose('dataset')).toBe(true);
    for (const value of ['../etc', '', 42, null, 'toString']) expect(isPathPurpose(value)).toBe(false);
  });
});
