import { create } from 'zustand';
import type { CachedModel, ModelInfo } from '../../../schemas/model.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { call, errorShapeOf } from '../services/bridge.ts';
import { loadInto } from './load.ts';

export interface InspectedModel {
  id: string | null;
  path: string;
  info: ModelInfo;
}

export interface ModelsState {
  models: CachedModel[];
  loaded: boolean;
  loading: boolean;
  error: AirlockErrorShape | null;
  importing: boolean;
  importError: AirlockErrorShape | null;
  /** What models.inspect reported, by the id or folder inspected. */
  inspected: Record<string, InspectedModel>;
  inspectError: AirlockErrorShape | null;
}

export const modelsInitialState: ModelsState = {
  models: [],
  loaded: false,
  loading: false,
  error: null,
  importing: false,
  importError: null,
  inspected: {},
  inspectError: null,
};

interface ModelsActions {
  load(): Promise<void>;
  /** Copies a Hugging Face model folder into the cache; null when it was refused (see importError). */
  importFolder(path: string, options: { name?: string; allowPickle: boolean }): Promise<CachedModel | null>;
  inspect(target: string): Promise<void>;
}

/** The offline model cache. */
export const useModels = create<ModelsState & ModelsActions>((set, get) => ({
  ...modelsInitialState,
  load: () => loadInto((partial) => set(partial), () => call('models.list', {})),
  async importFolder(path, { name, allowPickle }) {
    set({ importing: true, importError: null });
    try {
      const input = name?.trim() ? { path: path.trim(), name: name.trim(), allowPickle } : { path: path.trim(), allowPickle };
      const { model } = await call('models.import', input);
      set({ models: [...get().models.filter((candidate) => candidate.id !== model.id), model], importing: false });
      return model;
    } catch (error) {
      set({ importing: false, importError: errorShapeOf(error) });
      return null;
    }
  },
  async inspect(target) {
    set({ inspectError: null });
    try {
      const { model } = await call('models.inspect', { target });
      set({ inspected: { ...get().inspected, [target]: model } });
    } catch (error) {
      set({ inspectError: errorShapeOf(error) });
    }
  },
}));

/** What a model is for, in words: it generates text, a new head is added, or it already classifies into its labels. */
export function modelTask(info: ModelInfo): string {
  if (info.causalLm) return 'text generation (causal LM)';
  if (info.labels.length > 0) return `classifier (${info.labels.length} labels)`;
  return info.needsClassificationHead ? 'base model (a new head is added)' : 'ready for fine-tuning';
}
