import type { HandlerContext } from './handlers.ts';

/** Handlers for MLflow sync calls (api-sync.ts). Progress of a pass goes out as `progress` notices with task "sync". */
export function registerSyncHandlers(context: HandlerContext): void {
  const { handle, services, notify } = context;
  handle('sync.settings.get', () => ({ settings: services.sync.settings() }));
  handle('sync.settings.set', (input) => ({ settings: services.sync.updateSettings(input.settings, input.credentials) }));
  handle('sync.status', () => ({ status: services.sync.status() }));
  handle('sync.probe', async () => ({ reachability: await services.sync.probe() }));
  handle('sync.now', async (input) => {
    const id = `sync-${Date.now()}`;
    const report = await services.sync.syncNow({
      retryFailed: input.retryFailed,
      onProgress: (fraction, message) => notify({ kind: 'progress', task: 'sync', id, fraction, message }),
    });
    notify({ kind: 'progress', task: 'sync', id, fraction: 1, message: `${report.synced.length} synced, ${report.failed.length} failed, ${report.pending} pending` });
    return { report };
  });
}
