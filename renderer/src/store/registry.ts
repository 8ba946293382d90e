import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { ModelVersion, Prediction, RegisteredModel, Stage, VerifiedBundle, Volume } from '../../../schemas/registry.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

/** An export in progress or finished: where, how far, and how it ended. */
export interface ExportState {
  ref: string;
  to: string;
  fraction: number | null;
  message: string;
  result: VerifiedBundle | null;
  error: AirlockErrorShape | null;
}

export interface RegistryState {
  models: RegisteredModel[];
  loaded: boolean;
  error: AirlockErrorShape | null;
  volumes: Volume[];
  volumesError: AirlockErrorShape | null;
  stageError: AirlockErrorShape | null;
  export: ExportState | null;
  predicting: boolean;
  predictions: Prediction[];
  predictError: AirlockErrorShape | null;
  registering: boolean;
  registered: ModelVersion | null;
  registerError: AirlockErrorShape | null;
}

export const registryInitialState: RegistryState = {
  models: [],
  loaded: false,
  error: null,
  volumes: [],
  volumesError: null,
  stageError: null,
  export: null,
  predicting: false,
  predictions: [],
  predictError: null,
  registering: false,
  registered: null,
  registerError: null,
};

interface RegistryActions {
  load(): Promise<void>;
  loadVolumes(): Promise<void>;
  setStage(ref: string, stage: Stage): Promise<void>;
  /** Registers a run's model as the next version of `name` in `stage`, then reloads the list (the run's screen reads it). */
  register(runId: string, name: string, stage?: Stage): Promise<ModelVersion | null>;
  /** Exports and verifies a bundle, following its progress notices. */
  exportBundle(ref: string, to: string): Promise<void>;
  predict(ref: string, text: string): Promise<void>;
}

/** "name@version": how every call names a version. */
export function versionRef(version: Pick<ModelVersion, 'name' | 'version'>): string {
  return `${version.name}@${version.version}`;
}

/** Registered models, their stages, exports to removable media and quick predictions. */
export const useRegistry = create<RegistryState & RegistryActions>((set, get) => ({
  ...registryInitialState,
  async load() {
    set({ error: null });
    try {
      const { models } = await call('registry.list', {});
      set({ models, loaded: true });
    } catch (error) {
      set({ error: errorShapeOf(error) });
    }
  },
  async loadVolumes() {
    set({ volumesError: null });
    try {
      const { volumes } = await call('export.volumes', {});
      set({ volumes });
    } catch (error) {
      set({ volumesError: errorShapeOf(error) });
    }
  },
  async setStage(ref, stage) {
    set({ stageError: null });
    try {
      await call('registry.setStage', { model: ref, stage });
      await get().load();
    } catch (error) {
      set({ stageError: errorShapeOf(error) });
    }
  },
  async register(runId, name, stage) {
    set({ registering: true, registerError: null });
    try {
      const { version } = await call('registry.register', stage ? { runId, name, stage } : { runId, name });
      await get().load();
      set({ registering: false, registered: version });
      return version;
    } catch (error) {
      set({ registering: false, registerError: errorShapeOf(error) });
      return null;
    }
  },
  async exportBundle(ref, to) {
    set({ export: { ref, to, fraction: 0, message: 'Starting', result: null, error: null } });
    const unsubscribe = bridge().subscribe((notice) => {
      const current = get().export;
      if (notice.kind === 'progress' && notice.task === 'export' && notice.id === to && current && !current.result && !current.error) {
        set({ export: { ...current, fraction: notice.fraction, message: notice.message ?? current.message } });
      }
    });
    try {
      const { bundle } = await call('export.bundle', { model: ref, to });
      set({ export: { ...get().export!, fraction: 1, message: 'Exported and verified', result: bundle } });
    } catch (error) {
      set({ export: { ...get().export!, error: errorShapeOf(error) } });
    } finally {
      unsubscribe();
    }
  },
  async predict(ref, text) {
    set({ predicting: true, predictError: null });
    try {
      const { predictions } = await call('predict.text', { model: ref, texts: [text] });
      set({ predicting: false, predictions });
    } catch (error) {
      set({ predicting: false, predictError: errorShapeOf(error), predictions: [] });
    }
  },
}));
