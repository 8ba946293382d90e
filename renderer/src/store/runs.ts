import { create } from 'zustand';
import type { Run } from '../../../schemas/run.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { call } from '../services/bridge.ts';
import { loadInto } from './load.ts';

export interface RunsState {
  runs: Run[];
  loaded: boolean;
  loading: boolean;
  error: AirlockErrorShape | null;
}

export const runsInitialState: RunsState = { runs: [], loaded: false, loading: false, error: null };

interface RunsActions {
  load(): Promise<void>;
  /** Replaces (or adds) one run's record, e.g. when a run finishes. */
  upsert(run: Run): void;
}

/** The run history, newest first. */
export const useRuns = create<RunsState & RunsActions>((set, get) => ({
  ...runsInitialState,
  load: () => loadInto((partial) => set(partial), () => call('runs.list', {})),
  upsert(run) {
    const runs = get().runs;
    const index = runs.findIndex((candidate) => candidate.id === run.id);
    set({ runs: index === -1 ? [run, ...runs] : runs.map((candidate, i) => (i === index ? run : candidate)) });
  },
}));

/** Metric keys in the order that makes the best single summary of a run, per task. */
const PRIMARY_METRICS = ['test/f1_macro', 'val/f1_macro', 'test/r2', 'val/r2', 'test/accuracy', 'val/accuracy', 'val/loss'];

/** The metric a run is judged by, with its name; null before any was recorded. */
export function primaryMetric(run: Pick<Run, 'metrics'>): { key: string; value: number } | null {
  for (const key of PRIMARY_METRICS) {
    const value = run.metrics[key];
    if (typeof value === 'number') return { key, value };
  }
  return null;
}

/** Whether a run can continue from a checkpoint (the services check that the checkpoint exists). */
export function isResumable(run: Pick<Run, 'status'>): boolean {
  return run.status === 'cancelled' || run.status === 'interrupted' || run.status === 'failed';
}
