// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { RunSyncState } from '../../renderer/src/components/RunSyncState.tsx';
import { SyncIndicator } from '../../renderer/src/components/SyncIndicator.tsx';
import { syncInitialState, useSync } from '../../renderer/src/store/sync.ts';
import { startApp } from './helpers/setup-app.tsx';
import { insertRun } from '../sync/helpers.ts';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
  useSync.setState(syncInitialState);
});
afterAll(() => app.stop());
afterEach(cleanup);

describe('the sidebar MLflow line', () => {
  it('stays quiet for a user who never configured MLflow, and counts what waits once a server is set', async () => {
    // Every finished run joins the sync outbox, configured or not.
    for (let index = 0; index < 3; index++) insertRun(app.services, { experiment: 'quiet' });
    render(<SyncIndicator />);
    await act(() => useSync.getState().load());
    expect(useSync.getState().status?.counts.pending).toBe(3);
    const link = screen.getByRole('link', { name: 'MLflow: not configured' });
    expect(link.textContent).not.toMatch(/pending|\d/);

    const saved = await app.call('sync.settings.set', { settings: { trackingUri: 'http://127.0.0.1:9' } });
    expect(saved.ok).toBe(true);
    await act(() => useSync.getState().load());
    const configured = screen.getByRole('link', { name: /, 3 pending$/ });
    expect(configured.textContent).toContain('(3 pending)');
  });

  it('the Run header says "waiting to sync" only once a tracking server is set', async () => {
    await app.call('sync.settings.set', { settings: { trackingUri: null } });
    const run = insertRun(app.services, { experiment: 'header' });
    await act(() => useSync.getState().load());
    const { container } = render(<RunSyncState runId={run.id} />);
    expect(container.textContent).toBe('');
    await app.call('sync.settings.set', { settings: { trackingUri: 'http://127.0.0.1:9' } });
    await act(() => useSync.getState().load());
    expect(screen.getByLabelText('MLflow sync state').textContent).toContain('waiting to sync');
  });
});
