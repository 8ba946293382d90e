import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { ModelVersion, RegisteredModel, Stage } from '../../../schemas/registry.ts';
import { call, errorShapeOf } from '../services/bridge.ts';

export interface RegistryState {
  models: RegisteredModel[];
  loaded: boolean;
  error: AirlockErrorShape | null;
  stageError: AirlockErrorShape | null;
  registering: boolean;
  registered: ModelVersion | null;
  registerError: AirlockErrorShape | null;
}

export const registryInitialState: RegistryState = {
  models: [],
  loaded: false,
  error: null,
  stageError: null,
  registering: false,
  registered: null,
  registerError: null,
};

interface RegistryActions {
  load(): Promise<void>;
  setStage(ref: string, stage: Stage): Promise<void>;
  /** Registers a run's model as the next version of `name` in `stage`, then reloads the list (the run's screen reads it). */
  register(runId: string, name: string, stage?: Stage): Promise<ModelVersion | null>;
}

/** "name@version": how every call names a version. */
export function versionRef(version: Pick<ModelVersion, 'name' | 'version'>): string {
  return `${version.name}@${version.version}`;
}

/** Registered models and their stages (predictions: store/predict.ts; exports: store/export.ts). */
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
}));
