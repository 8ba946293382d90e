import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { InstalledRuntime, RuntimeState } from '../../../schemas/runtime.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

/** The install's steps as the screen lists them, in order, with what each one does. */
export const INSTALL_STEPS = [
  { stage: 'verify', label: 'Check the pack against its manifest' },
  { stage: 'python', label: "Find the workstation's Python" },
  { stage: 'environment', label: 'Install the packages from the pack (no network)' },
  { stage: 'models', label: 'Add the default model' },
  { stage: 'self-check', label: 'Self-check: devices and two training steps' },
] as const;

/** Where one step stands: its latest line, and its fraction when the step measures one. */
export interface StepProgress {
  message: string;
  fraction: number | null;
}

export interface RuntimeStoreState {
  state: RuntimeState | null;
  loadError: AirlockErrorShape | null;
  installing: boolean;
  jobId: string | null;
  /** The stage now running; 'done' after success. */
  stage: string | null;
  steps: Record<string, StepProgress>;
  installed: InstalledRuntime | null;
  installError: AirlockErrorShape | null;
}

export const runtimeInitialState: RuntimeStoreState = { state: null, loadError: null, installing: false, jobId: null, stage: null, steps: {}, installed: null, installError: null };

interface RuntimeActions {
  /** Asks which Python the trainer uses (no Python is started: it answers at once). */
  load(): Promise<void>;
  /** Installs the pack at `path`, following its stages until its self-check passed or it failed. */
  install(path: string): Promise<void>;
}

function newJobId(): string {
  return `runtime-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The training runtime: what is in use, and an install from a runtime pack with its live stages. */
export const useRuntime = create<RuntimeStoreState & RuntimeActions>((set, get) => ({
  ...runtimeInitialState,
  async load() {
    try {
      const { state } = await call('runtime.status', {});
      set({ state, loadError: null });
    } catch (error) {
      set({ loadError: errorShapeOf(error) });
    }
  },
  async install(path) {
    const jobId = newJobId();
    set({ installing: true, jobId, stage: 'verify', steps: {}, installed: null, installError: null });
    const unsubscribe = bridge().subscribe((notice) => {
      if (notice.kind !== 'progress' || notice.task !== 'runtime-install' || notice.id !== jobId || get().jobId !== jobId || !notice.stage) return;
      const previous = get().steps[notice.stage];
      // A line without a fraction keeps the bar where the step's last measured line left it.
      const fraction = notice.fraction ?? previous?.fraction ?? null;
      set({ stage: notice.stage, steps: { ...get().steps, [notice.stage]: { message: notice.message ?? '', fraction } } });
    });
    try {
      const { runtime, state } = await call('runtime.install', { path, jobId });
      if (get().jobId === jobId) set({ installing: false, stage: 'done', installed: runtime, state });
    } catch (error) {
      if (get().jobId === jobId) set({ installing: false, installError: errorShapeOf(error) });
    } finally {
      unsubscribe();
    }
  },
}));
