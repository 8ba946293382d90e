import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { Point } from '../lib/lttb.ts';
import { call, errorShapeOf } from '../services/bridge.ts';
import { seriesOf } from './live-run.ts';

export interface CompareState {
  /** Recorded curves of each compared run, by metric key. */
  curves: Record<string, Record<string, Point[]>>;
  loading: boolean;
  error: AirlockErrorShape | null;
}

export const compareInitialState: CompareState = { curves: {}, loading: false, error: null };

interface CompareActions {
  /** Loads the curves of runs not loaded yet (finished runs' curves do not change). */
  load(runIds: string[]): Promise<void>;
}

/** Curves of the runs selected in History, for overlaying. */
export const useCompare = create<CompareState & CompareActions>((set, get) => ({
  ...compareInitialState,
  async load(runIds) {
    const missing = runIds.filter((id) => !get().curves[id]);
    if (missing.length === 0) return;
    set({ loading: true, error: null });
    try {
      const loaded = await Promise.all(missing.map(async (runId) => [runId, seriesOf((await call('runs.get', { runId })).curves)] as const));
      set({ curves: { ...get().curves, ...Object.fromEntries(loaded) }, loading: false });
    } catch (error) {
      set({ loading: false, error: errorShapeOf(error) });
    }
  },
}));
