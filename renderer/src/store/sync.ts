import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { SyncCredentials, SyncReport, SyncSettings, SyncSettingsView, SyncStatus } from '../../../schemas/sync.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

export interface SyncState {
  status: SyncStatus | null;
  settings: SyncSettingsView | null;
  error: AirlockErrorShape | null;
  syncing: boolean;
  progress: { fraction: number | null; message: string } | null;
  report: SyncReport | null;
  syncError: AirlockErrorShape | null;
  saving: boolean;
  settingsError: AirlockErrorShape | null;
}

export const syncInitialState: SyncState = {
  status: null,
  settings: null,
  error: null,
  syncing: false,
  progress: null,
  report: null,
  syncError: null,
  saving: false,
  settingsError: null,
};

interface SyncActions {
  load(): Promise<void>;
  probe(): Promise<void>;
  /** Syncs now, following the pass's progress notices. */
  syncNow(): Promise<void>;
  saveSettings(settings: Partial<SyncSettings>, credentials?: SyncCredentials | null): Promise<boolean>;
}

/** The state the sync indicator shows. */
export type SyncIndication = 'not-configured' | 'offline' | 'reachable' | 'syncing' | 'errors' | 'unknown';

/** What the indicator says: syncing beats errors, errors beat reachability. */
export function syncIndication(state: Pick<SyncState, 'status' | 'syncing'>): SyncIndication {
  const status = state.status;
  if (!status) return 'unknown';
  if (state.syncing || status.syncing) return 'syncing';
  if (status.reachability.state === 'not-configured') return 'not-configured';
  if (status.counts.failed > 0 || (status.lastPass && !status.lastPass.ok)) return 'errors';
  if (status.reachability.state === 'unreachable') return 'offline';
  return status.reachability.state === 'reachable' ? 'reachable' : 'unknown';
}

/** The outbox, the tracking server's reachability, and "Sync now". */
export const useSync = create<SyncState & SyncActions>((set, get) => ({
  ...syncInitialState,
  async load() {
    set({ error: null });
    try {
      const [{ status }, { settings }] = await Promise.all([call('sync.status', {}), call('sync.settings.get', {})]);
      set({ status, settings });
    } catch (error) {
      set({ error: errorShapeOf(error) });
    }
  },
  async probe() {
    try {
      await call('sync.probe', {});
      await get().load();
    } catch (error) {
      set({ error: errorShapeOf(error) });
    }
  },
  async syncNow() {
    set({ syncing: true, syncError: null, report: null, progress: { fraction: 0, message: 'Starting' } });
    const unsubscribe = bridge().subscribe((notice) => {
      if (notice.kind === 'progress' && notice.task === 'sync') set({ progress: { fraction: notice.fraction, message: notice.message ?? '' } });
    });
    try {
      const { report } = await call('sync.now', {});
      set({ report });
    } catch (error) {
      set({ syncError: errorShapeOf(error) });
    } finally {
      unsubscribe();
      set({ syncing: false, progress: null });
      await get().load();
    }
  },
  async saveSettings(settings, credentials) {
    set({ saving: true, settingsError: null });
    try {
      const { settings: saved } = await call('sync.settings.set', credentials === undefined ? { settings } : { settings, credentials });
      set({ settings: saved, saving: false });
      await get().load();
      return true;
    } catch (error) {
      set({ saving: false, settingsError: errorShapeOf(error) });
      return false;
    }
  },
}));
