import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openEvents, send, startTestHost, type TestHost } from './web-host-helpers.ts';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

const bearer = () => ({ authorization: `Bearer ${t.host.token}` });
const json = { 'content-type': 'application/json' };
const octets = { 'content-type': 'application/octet-stream' };

describe('web host: the token', () => {
  it('prints the start-up line with a random 256-bit token', () => {
    expect(t.host.banner).toMatch(/^Airlock UI: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(t.host.url).toBe(`http://127.0.0.1:${t.host.port}/?token=${t.host.token}`);
  });

  it('answers 401 to every kind of request without the token', async () => {
    const port = t.host.port;
    expect((await send(port, { path: '/' })).status).toBe(401);
    expect((await send(port, { path: '/assets/app.js' })).status).toBe(401);
    expect((await send(port, { path: '/no-such-page' })).status).toBe(401);
    expect((await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: json, body: '{}' })).status).toBe(401);
    expect((await send(port, { method: 'POST', path: '/api/upload?name=a.csv', headers: octets, body: 'text,label\n' })).status).toBe(401);
    expect((await openEvents(port)).status).toBe(401);
  });

  it('answers 401 to a wrong token, wherever it is carried', async () => {
    const port = t.host.port;
    const wrong = 'f'.repeat(64);
    expect((await send(port, { path: `/?token=${wrong}` })).status).toBe(401);
    expect((await send(port, { path: '/?token=' })).status).toBe(401);
    expect((await send(port, { path: '/', headers: { authorization: `Bearer ${wrong}` } })).status).toBe(401);
    expect((await send(port, { path: '/', headers: { cookie: `airlock_token_${port}=${wrong}` } })).status).toBe(401);
    // A token for another port's host does not count here.
    expect((await send(port, { path: '/', headers: { cookie: `airlock_token_1=${t.host.token}` } })).status).toBe(401);
    expect((await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...json, authorization: `Bearer ${t.host.token.slice(1)}` }, body: '{}' })).status).toBe(401);
    expect((await openEvents(port, { path: `/api/events?token=${wrong}` })).status).toBe(401);
    const refused = await send(port, { path: `/?token=${wrong}` });
    expect(JSON.parse(refused.body).error.code).toBe('ACCESS_DENIED');
    expect(refused.body).not.toContain(t.host.token);
  });

  it('serves the page for the printed URL and hands it an HttpOnly SameSite=Strict cookie', async () => {
    const page = await send(t.host.port, { path: `/?token=${t.host.token}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Airlock</title>');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toContain(`airlock_token_${t.host.port}=${t.host.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The cookie alone then carries the page's assets, calls and events.
    const headers = { cookie: `airlock_token_${t.host.port}=${t.host.token}` };
    expect((await send(t.host.port, { path: '/assets/app.js', headers })).status).toBe(200);
    expect((await send(t.host.port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...headers, ...json }, body: '{}' })).status).toBe(200);
    const events = await openEvents(t.host.port, { headers });
    expect(events.socket).toBeDefined();
    events.socket!.close();
  });
});

describe('web host: DNS rebinding and cross-site requests', () => {
  const foreignHosts = (port: number) => ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', 'localhost', `[::1]:${port}`, `0.0.0.0:${port}`];

  it('answers 403 when Host is not this loopback host, even with the token', async () => {
    for (const host of foreignHosts(t.host.port)) {
      expect((await send(t.host.port, { path: '/', headers: { ...bearer(), host } })).status, host).toBe(403);
      expect((await send(t.host.port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...bearer(), ...json, host }, body: '{}' })).status, host).toBe(403);
      expect((await openEvents(t.host.port, { headers: { ...bearer(), host } })).status, host).toBe(403);
    }
  });

  it('accepts localhost:P as well as 127.0.0.1:P', async () => {
    expect((await send(t.host.port, { path: '/', headers: { ...bearer(), host: `localhost:${t.host.port}` } })).status).toBe(200);
    expect((await send(t.host.port, { path: '/', headers: { ...bearer(), host: `localhost:${t.host.port}`, origin: `http://localhost:${t.host.port}` } })).status).toBe(200);
  });

  it('answers 403 when Origin is another site, even with the token', async () => {
    const port = t.host.port;
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'null', 'file://']) {
      expect((await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...bearer(), ...json, origin }, body: '{}' })).status, origin).toBe(403);
      expect((await send(port, { method: 'POST', path: '/api/upload?name=x.csv', headers: { ...bearer(), ...octets, origin }, body: 'a' })).status, origin).toBe(403);
      // Cross-site WebSocket hijacking: the browser sends the cookie, the Origin gives the page away.
      expect((await openEvents(port, { headers: { cookie: `airlock_token_${port}=${t.host.token}`, origin } })).status, origin).toBe(403);
    }
    const sameOrigin = await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...bearer(), ...json, origin: `http://127.0.0.1:${port}` }, body: '{}' });
    expect(sameOrigin.status).toBe(200);
  });

  it('answers 403 to a browser request marked cross-site or same-site, unless it is a top-level navigation', async () => {
    for (const site of ['cross-site', 'same-site']) {
      expect((await send(t.host.port, { path: '/', headers: { ...bearer(), 'sec-fetch-site': site } })).status, site).toBe(403);
    }
    expect((await send(t.host.port, { path: '/', headers: { ...bearer(), 'sec-fetch-site': 'none' } })).status).toBe(200);
    // Following a link to the printed address from another page is a navigation: allowed, token still required.
    const navigation = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
    expect((await send(t.host.port, { path: `/?token=${t.host.token}`, headers: navigation })).status).toBe(200);
    expect((await send(t.host.port, { path: '/', headers: navigation })).status).toBe(401);
    const framed = { ...navigation, 'sec-fetch-dest': 'iframe' };
    expect((await send(t.host.port, { path: `/?token=${t.host.token}`, headers: framed })).status).toBe(403);
    expect((await send(t.host.port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...bearer(), 'content-type': 'application/json', ...navigation }, body: '{}' })).status).toBe(403);
  });
});

describe('web host: headers', () => {
  it('sends a strict CSP and the other protective headers with every answer', async () => {
    for (const response of [
      await send(t.host.port, { path: '/', headers: bearer() }),
      await send(t.host.port, { path: '/assets/app.js', headers: bearer() }),
      await callApi(t.host, 'datasets.list', {}),
      await send(t.host.port, { path: '/' }),
    ]) {
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${t.host.port}`);
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves files with their content types', async () => {
    const types = { '/': 'text/html', '/index.html': 'text/html', '/assets/app.js': 'text/javascript', '/assets/app.css': 'text/css' };
    for (const [path, type] of Object.entries(types)) {
      const response = await send(t.host.port, { path, headers: bearer() });
      expect(response.status, path).toBe(200);
      expect(String(response.headers['content-type']), path).toContain(type);
    }
    expect((await send(t.host.port, { path: '/assets/missing.js', headers: bearer() })).status).toBe(404);
  });
});
