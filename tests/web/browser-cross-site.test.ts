import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import type { Refusal } from '../../electron/web/host.ts';
import { callApi, startTestHost, type TestHost } from './web-host-helpers.ts';

// A real browser that has opened Airlock (so it holds the token cookie) then visits another site's page,
// which tries every way a page can reach the host: a form-like text/plain POST, a JSON fetch, a
// WebSocket, and an iframe. None may import a file, read data or receive notices.

const DATASET = resolve('tests/fixtures/datasets/reviews.csv');

function attackerPage(port: number): string {
  const target = `http://127.0.0.1:${port}`;
  return `<!doctype html><title>elsewhere</title><script>
  window.results = (async () => {
    const results = {};
    const body = JSON.stringify({ path: ${JSON.stringify(DATASET)} });
    try {
      await fetch('${target}/api/call/datasets.import', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body });
      results.simplePost = 'sent';
    } catch (error) { results.simplePost = 'failed'; }
    try {
      const response = await fetch('${target}/api/call/datasets.list', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      results.jsonFetch = await response.text();
    } catch (error) { results.jsonFetch = 'blocked'; }
    results.socket = await new Promise((resolve) => {
      const socket = new WebSocket('ws://127.0.0.1:${port}/api/events');
      socket.onopen = () => resolve('open');
      socket.onerror = () => resolve('refused');
      setTimeout(() => resolve('timeout'), 5000);
    });
    results.frame = await new Promise((resolve) => {
      const frame = document.createElement('iframe');
      frame.src = '${target}/';
      frame.onload = () => { try { resolve(frame.contentDocument ? 'readable' : 'opaque'); } catch { resolve('opaque'); } };
      document.body.append(frame);
      setTimeout(() => resolve('timeout'), 5000);
    });
    return results;
  })();
  </script>`;
}

let t: TestHost;
let attacker: Server;
let browser: Browser;
const refused: Refusal[] = [];

beforeAll(async () => {
  t = await startTestHost({ onRefused: (refusal) => refused.push(refusal) });
  attacker = createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(attackerPage(t.host.port)));
  await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', done));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  attacker?.close();
  await t?.close();
});

describe('web host in a real browser: other sites cannot use a logged-in page\'s access', () => {
  it('refuses a cross-site POST, fetch, WebSocket and frame even though the browser holds the cookie', async () => {
    const page = await browser.newPage();
    await page.goto(t.host.url);
    const cookies = await page.context().cookies(`http://127.0.0.1:${t.host.port}`);
    expect(cookies.map((cookie) => cookie.name)).toContain(`airlock_token_${t.host.port}`);

    // localhost is another site than 127.0.0.1 for the browser.
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    const results = await page.evaluate(() => (globalThis as unknown as { results: Promise<Record<string, string>> }).results);
    expect(results.jsonFetch).toBe('blocked');
    expect(results.socket).toBe('refused');
    expect(results.frame).not.toBe('readable');

    const listed = await callApi(t.host, 'datasets.list', {});
    expect(listed.json.data.datasets).toEqual([]);
    // The requests did reach the host, and were refused for their origin.
    const attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    const seen = refused.map((refusal) => `${refusal.status} ${refusal.method} ${refusal.path} ${refusal.origin}`);
    expect(seen).toContain(`403 POST /api/call/datasets.import ${attackerOrigin}`);
    // A JSON POST needs a CORS preflight: refused, so the POST itself is never sent.
    expect(seen).toContain(`403 OPTIONS /api/call/datasets.list ${attackerOrigin}`);
    expect(seen).not.toContain(`403 POST /api/call/datasets.list ${attackerOrigin}`);
    expect(seen).toContain(`403 WebSocket /api/events ${attackerOrigin}`);
    await page.close();
  });
});
