import { afterAll, describe, expect, it } from 'vitest';
import { airlockInBackground, waitFor } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { send } from './web-host-helpers.ts';

const home = tempDir('airlock-web-cli-');
afterAll(() => home.cleanup());

describe('airlock web', () => {
  it('prints the URL line, serves the API with its token, and stops cleanly on Ctrl-C', async () => {
    const started = airlockInBackground(home.path, ['web', '--port', '0', '--no-open']);
    let stdout = '';
    started.child.stdout!.on('data', (chunk) => (stdout += chunk));
    const line = await waitFor(() => /^Airlock UI: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})$/m.exec(stdout), 30_000, 'the URL line');
    const [port, token] = [Number(line[1]), line[2]];
    const listed = await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(JSON.parse(listed.body)).toEqual({ ok: true, data: { datasets: [] } });
    expect((await send(port, { method: 'POST', path: '/api/call/datasets.list', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    started.child.kill('SIGINT');
    const result = await started.finished;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Stopping the web UI');
    expect(result.stderr).toContain('Refused POST /api/call/datasets.list (401)');
    await expect(send(port, { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a port that is not a number', async () => {
    const result = await airlockInBackground(home.path, ['web', '--port', 'eighty', '--no-open']).finished;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be a whole number');
  });
});
