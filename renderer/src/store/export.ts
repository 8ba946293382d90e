import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { VerifiedBundle, Volume } from '../../../schemas/registry.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

/** An export in progress or finished: where, how far, and how it ended. */
export interface ExportState {
  ref: string;
  to: string;
  /** A LoRA language model merged with its adapter (a whole model), not the adapter alone. */
  merged: boolean;
  fraction: number | null;
  message: string;
  /** The bundle verified: the one just written, or the one already there when the user chose Verify. */
  result: VerifiedBundle | null;
  error: AirlockErrorShape | null;
  /** An earlier export of this version is already in the folder: where, for Verify and Replace. */
  existing: { path: string } | null;
  verifying: boolean;
}

export interface ExportStoreState {
  volumes: Volume[];
  volumesError: AirlockErrorShape | null;
  export: ExportState | null;
}

export const exportInitialState: ExportStoreState = { volumes: [], volumesError: null, export: null };

interface ExportActions {
  loadVolumes(): Promise<void>;
  /** Exports and verifies a bundle, following its progress notices; with `replace`, swaps out the export already there; `merged` for a LoRA language model merged into its base. */
  exportBundle(ref: string, to: string, options?: { replace?: boolean; merged?: boolean }): Promise<void>;
  /** Re-reads the export already in the folder against its manifest. */
  verifyExisting(): Promise<void>;
}

/** Exports of registered versions to removable drives: the drives offered, and the export under way. */
export const useExport = create<ExportStoreState & ExportActions>((set, get) => ({
  ...exportInitialState,
  async loadVolumes() {
    set({ volumesError: null });
    try {
      const { volumes } = await call('export.volumes', {});
      set({ volumes });
    } catch (error) {
      set({ volumesError: errorShapeOf(error) });
    }
  },
  async exportBundle(ref, to, options = {}) {
    const merged = options.merged ?? false;
    set({ export: { ref, to, merged, fraction: 0, message: 'Starting', result: null, error: null, existing: null, verifying: false } });
    const update = (change: Partial<ExportState>) => set({ export: { ...get().export!, ...change } });
    const unsubscribe = bridge().subscribe((notice) => {
      const current = get().export;
      if (notice.kind === 'progress' && notice.task === 'export' && notice.id === to && current && !current.result && !current.error) {
        update({ fraction: notice.fraction, message: notice.message ?? current.message });
      }
    });
    try {
      const { bundle } = await call('export.bundle', { model: ref, to, replace: options.replace, ...(merged ? { merged } : {}) });
      update({ fraction: 1, message: 'Exported and verified', result: bundle });
    } catch (error) {
      const shape = errorShapeOf(error);
      // An earlier export of this version is there: offer Verify and Replace rather than an error.
      const target = shape.code === 'EXPORT_TARGET_EXISTS' && !options.replace ? await call('export.target', { model: ref, to, ...(merged ? { merged } : {}) }).catch(() => null) : null;
      update(target?.replaceable ? { existing: { path: target.path } } : { error: shape });
    } finally {
      unsubscribe();
    }
  },
  async verifyExisting() {
    const current = get().export;
    if (!current?.existing) return;
    set({ export: { ...current, verifying: true, error: null, result: null } });
    try {
      const { bundle } = await call('export.verify', { path: current.existing.path });
      set({ export: { ...get().export!, verifying: false, result: bundle } });
    } catch (error) {
      set({ export: { ...get().export!, verifying: false, error: errorShapeOf(error) } });
    }
  },
}));
