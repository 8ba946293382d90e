// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { join } from 'node:path';
import { SyncScreen } from '../../renderer/src/screens/Sync.tsx';
import { RunSyncState } from '../../renderer/src/components/RunSyncState.tsx';
import { syncInitialState, useSync } from '../../renderer/src/store/sync.ts';
import { startApp } from '../renderer/helpers/setup-app.tsx';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server.ts';
import { insertRun, series } from './helpers.ts';

let app: Awaited<ReturnType<typeof startApp>>;
let server: MlflowServer;
beforeAll(async () => {
  app = await startApp();
  useSync.setState(syncInitialState);
  server = await startMlflowServer(join(app.home, 'mlflow-server'));
}, 180_000);
afterAll(async () => {
  app?.stop();
  await server?.stop();
});
afterEach(cleanup);

describe('Sync screen', () => {
  it('shows pending runs, takes a tracking URI, syncs now with progress, and links each synced run to MLflow', async () => {
    const run = insertRun(app.services, { experiment: 'from-the-app', points: series('train/loss', 1200) });
    render(<SyncScreen params={{}} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Sync' })).toBeTruthy();
    expect(await screen.findByText('No tracking server is configured yet.', { exact: false })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'MLflow: not configured' }).textContent).not.toContain('pending'); // quiet until set up
    const waiting = screen.getByRole('table', { name: 'Pending and failed items' });
    expect(within(waiting).getByRole('link', { name: run.id })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Sync now' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Tracking URI'), { target: { value: server.uri } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText(server.uri);
    fireEvent.click(screen.getByRole('button', { name: 'Check connection' }));
    await screen.findByRole('link', { name: /MLflow: reachable/ }, { timeout: 10_000 });

    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    expect(await screen.findByRole('progressbar')).toBeTruthy();
    const done = await screen.findByRole('status', {}, { timeout: 120_000 });
    expect(done.textContent).toContain('1 synced, 0 failed, 0 pending; 1200 metric points sent');
    const synced = screen.getByRole('table', { name: 'Synced items' });
    const open = within(synced).getByRole('link', { name: 'open' }) as HTMLAnchorElement;
    expect(open.href).toMatch(new RegExp(`^${server.uri}/#/experiments/\\d+/runs/[0-9a-f]{32}$`));
    expect(screen.getByText('Nothing waiting.')).toBeTruthy();

    // The run's own screen says the same, with the link.
    cleanup();
    render(<RunSyncState runId={run.id} />);
    const state = screen.getByLabelText('MLflow sync state');
    expect(state.textContent).toContain('MLflow: synced');
    expect((within(state).getByRole('link', { name: 'open in MLflow' }) as HTMLAnchorElement).href).toBe(open.href);
  }, 240_000);

  it('a sync that fails shows the error in plain words with its code', async () => {
    useSync.setState(syncInitialState);
    app.services.sync.updateSettings({ trackingUri: 'http://127.0.0.1:9', httpMaxRetries: 0, passRetries: 0 });
    insertRun(app.services, { points: series('train/loss', 5) });
    render(<SyncScreen params={{}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sync now' }));
    const alert = await screen.findByRole('alert', {}, { timeout: 60_000 });
    expect(alert.textContent).toContain('Could not reach');
    expect(alert.textContent).toContain('MLFLOW_UNREACHABLE');
    expect(screen.getByRole('link', { name: /MLflow: sync errors/ })).toBeTruthy();
  }, 120_000);
});
