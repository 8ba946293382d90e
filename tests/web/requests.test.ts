import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCalls, type Notice } from '../../schemas/api.ts';
import { pruneUploads } from '../../electron/web/upload.ts';
import { callApi, openEvents, SECRET, send, sendRaw, startTestHost, type TestHost } from './web-host-helpers.ts';

const UPLOAD_LIMIT = 64 * 1024;
let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ uploadLimit: UPLOAD_LIMIT, callBodyLimit: 16 * 1024 });
});
afterAll(() => t.close());

const auth = () => ({ authorization: `Bearer ${t.host.token}` });

describe('web host: static paths cannot leave the renderer folder', () => {
  const escapes = [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/index.html%00.js',
    '/%00',
    '/%c0%ae%c0%ae/secret.txt',
    '/%',
    '/./index.html',
  ];

  it.each(escapes)('refuses %s', async (path) => {
    const response = await send(t.host.port, { path, headers: auth() });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body).not.toContain(SECRET);
  });

  it('refuses absolute and non-path request targets', async () => {
    const secretPath = join(t.root, 'secret.txt');
    for (const target of [secretPath, `//${secretPath}`, `http://127.0.0.1:${t.host.port}/../secret.txt`, '../secret.txt', '*']) {
      const { status, response } = await sendRaw(t.host.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${t.host.port}\r\nAuthorization: Bearer ${t.host.token}\r\nConnection: close\r\n\r\n`);
      expect(status, target).toBeGreaterThanOrEqual(400);
      expect(response, target).not.toContain(SECRET);
    }
  });

  it('refuses a raw NUL byte in the path', async () => {
    const { status, response } = await sendRaw(t.host.port, `GET /index.html\0/../../secret.txt HTTP/1.1\r\nHost: 127.0.0.1:${t.host.port}\r\nAuthorization: Bearer ${t.host.token}\r\nConnection: close\r\n\r\n`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(response).not.toContain(SECRET);
  });

  it('does not follow a symbolic link out of the folder', async () => {
    const response = await send(t.host.port, { path: '/assets/linked.txt', headers: auth() });
    expect(response.status).toBe(404);
    expect(response.body).not.toContain(SECRET);
  });

  it('serves only GET and HEAD for pages', async () => {
    expect((await send(t.host.port, { method: 'HEAD', path: '/assets/app.js', headers: auth() })).status).toBe(200);
    expect((await send(t.host.port, { method: 'PUT', path: '/assets/app.js', headers: auth(), body: 'x' })).status).toBe(405);
    expect((await send(t.host.port, { method: 'DELETE', path: '/index.html', headers: auth() })).status).toBe(405);
    expect(readFileSync(join(t.rendererDir, 'assets', 'app.js'), 'utf8')).toBe('console.log("airlock");');
  });
});

describe('web host: the API over HTTP', () => {
  it('round-trips a call', async () => {
    const response = await callApi(t.host, 'datasets.list', {});
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json).toEqual({ ok: true, data: { datasets: [] } });
  });

  it('serves every call of the API table', async () => {
    for (const name of Object.keys(ApiCalls)) {
      // Malformed input: the schema answers, no service runs (tests/contract/api-input.test.ts).
      const response = await callApi(t.host, name, 42);
      expect(response.status, name).toBe(200);
      expect(response.json.error.message, name).toContain(`Invalid input for ${name}`);
    }
  });

  it('returns the schema error for invalid input, as the other front ends do', async () => {
    const response = await callApi(t.host, 'datasets.get', { id: 42 });
    expect(response.json.ok).toBe(false);
    expect(response.json.error.code).toBe('INVALID_INPUT');
    expect(response.json.error.message).toContain('id');
  });

  it('answers bad JSON with INVALID_INPUT and no stack trace', async () => {
    for (const body of ['{', '{"path": }', 'undefined', '\u0000']) {
      const response = await send(t.host.port, { method: 'POST', path: '/api/call/datasets.import', headers: { ...auth(), 'content-type': 'application/json' }, body });
      expect(response.status, body).toBe(400);
      const parsed = JSON.parse(response.body);
      expect(parsed.ok).toBe(false);
      expect(parsed.error.code).toBe('INVALID_INPUT');
      expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(response.body).not.toContain('SyntaxError');
    }
  });

  it('refuses unknown calls, other methods and other content types', async () => {
    for (const name of ['datasets.nothing', '__proto__', 'constructor', 'toString', 'datasets.list/..', '']) {
      const response = await send(t.host.port, { method: 'POST', path: `/api/call/${name}`, headers: { ...auth(), 'content-type': 'application/json' }, body: '{}' });
      expect(response.status, name).toBe(404);
      expect(JSON.parse(response.body).error.code).toBe('INVALID_INPUT');
    }
    expect((await send(t.host.port, { path: '/api/call/datasets.list', headers: auth() })).status).toBe(405);
    // A form post (text/plain is what a cross-site form can send without a preflight) is not a call.
    expect((await send(t.host.port, { method: 'POST', path: '/api/call/datasets.list', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await send(t.host.port, { path: '/api/other', headers: auth() })).status).toBe(404);
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ path: 'x'.repeat(20 * 1024) });
    const declared = await send(t.host.port, { method: 'POST', path: '/api/call/datasets.import', headers: { ...auth(), 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('INVALID_INPUT');
    const streamed = await sendRaw(
      t.host.port,
      `POST /api/call/datasets.import HTTP/1.1\r\nHost: 127.0.0.1:${t.host.port}\r\nAuthorization: Bearer ${t.host.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(streamed.status).toBe(413);
  });
});

describe('web host: uploads and pushed notices', () => {
  const uploadsDir = () => join(t.home, 'uploads');
  const uploadedFiles = () => (existsSync(uploadsDir()) ? readdirSync(uploadsDir(), { recursive: true }) : []);

  it('stores an upload under the data folder with a safe name, then imports it while the socket reports progress', async () => {
    const csv = readFileSync('tests/fixtures/datasets/reviews.csv');
    const upload = await send(t.host.port, {
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent('../../my reviews?.csv')}`,
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: csv,
    });
    expect(upload.status).toBe(200);
    const { path } = JSON.parse(upload.body).data;
    expect(path.startsWith(join(t.home, 'uploads') + '/')).toBe(true);
    expect(path.endsWith('/my reviews_.csv')).toBe(true);
    expect(readFileSync(path).equals(csv)).toBe(true);

    const { socket } = await openEvents(t.host.port, { headers: auth() });
    const notices: Notice[] = [];
    socket!.on('message', (data) => notices.push(JSON.parse(String(data))));
    const imported = await callApi(t.host, 'datasets.import', { path });
    expect(imported.json.ok).toBe(true);
    expect(imported.json.data.dataset.rows).toBeGreaterThan(0);
    await expect.poll(() => notices.some((notice) => notice.kind === 'import' && notice.path === path && notice.fraction === 1)).toBe(true);
    socket!.close();
    const listed = await callApi(t.host, 'datasets.list', {});
    expect(listed.json.data.datasets).toHaveLength(1);
  });

  it('refuses an upload over the limit and leaves nothing behind', async () => {
    const before = uploadedFiles().length;
    const body = Buffer.alloc(UPLOAD_LIMIT + 1, 97);
    const declared = await send(t.host.port, { method: 'POST', path: '/api/upload?name=big.csv', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body });
    expect(declared.status).toBe(413);
    const streamed = await sendRaw(
      t.host.port,
      `POST /api/upload?name=big.csv HTTP/1.1\r\nHost: 127.0.0.1:${t.host.port}\r\nAuthorization: Bearer ${t.host.token}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`,
    );
    expect(streamed.status).toBe(413);
    expect(uploadedFiles().length).toBe(before);
  });

  it('takes uploads only as raw bytes', async () => {
    const response = await send(t.host.port, { method: 'POST', path: '/api/upload?name=a.csv', headers: { ...auth(), 'content-type': 'multipart/form-data; boundary=x' }, body: 'a' });
    expect(response.status).toBe(415);
  });

  it('refuses a WebSocket on any other path', async () => {
    expect((await openEvents(t.host.port, { path: '/api/other', headers: auth() })).status).toBe(404);
  });
});

describe('web host: old uploads', () => {
  it('removes upload folders older than a day, keeps recent ones', () => {
    const folder = join(t.root, 'prune');
    for (const name of ['old', 'new']) {
      mkdirSync(join(folder, name), { recursive: true });
      writeFileSync(join(folder, name, 'data.csv'), 'text,label\n');
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(join(folder, 'old'), twoDaysAgo, twoDaysAgo);
    pruneUploads(folder);
    expect(readdirSync(folder)).toEqual(['new']);
    pruneUploads(join(t.root, 'no-such-folder'));
  });
});
