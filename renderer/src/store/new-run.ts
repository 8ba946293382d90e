import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { RunConfig } from '../../../schemas/config.ts';
import type { DatasetWarning } from '../../../schemas/dataset.ts';
import type { Run } from '../../../schemas/run.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';
import { getField, setField, validateConfig, withSftDetection } from '../lib/config-form.ts';
import { useDatasets } from './datasets.ts';
import { codeFromSources } from '../../../schemas/extensions.ts';

export const WIZARD_STEPS = ['dataset', 'model', 'settings', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export interface NewRunState {
  step: WizardStep;
  datasetId: string | null;
  modelId: string | null;
  /** The config being edited: what config.suggest or an imported YAML gave, plus the user's edits (may be invalid). */
  draft: Record<string, unknown> | null;
  /** Why each default was chosen, by `section.field`. */
  reasons: Record<string, string>;
  /** What the suggested settings cannot fix in the data (rows longer than max_length will be cut, ...). */
  warnings: DatasetWarning[];
  suggesting: boolean;
  suggestError: AirlockErrorShape | null;
  yaml: string | null;
  yamlError: AirlockErrorShape | null;
  importError: AirlockErrorShape | null;
  starting: boolean;
  startError: AirlockErrorShape | null;
  /** Where the last export went: true saved, false cancelled, null not exported. */
  exported: boolean | null;
}

export const newRunInitialState: NewRunState = {
  step: 'dataset',
  datasetId: null,
  modelId: null,
  draft: null,
  reasons: {},
  warnings: [],
  suggesting: false,
  suggestError: null,
  yaml: null,
  yamlError: null,
  importError: null,
  starting: false,
  startError: null,
  exported: null,
};

interface NewRunActions {
  goTo(step: WizardStep): void;
  chooseDataset(id: string): void;
  chooseModel(id: string): void;
  /** Fills the settings with the defaults detected for the chosen dataset and model. */
  suggest(): Promise<void>;
  /** Sets one field (`training.learning_rate`) of the draft. */
  edit(path: string, value: unknown): void;
  /** Validates the draft and renders it as YAML for the review step; false when a field is invalid. */
  review(): Promise<boolean>;
  /** Loads a YAML config (pasted or from a file) into the form. */
  importYaml(text: string): Promise<boolean>;
  exportYaml(): Promise<void>;
  /** Opens the settings step with a past run's config, its dataset and model by id, changed by `edits` (`section.field` → value). */
  copyRun(run: Pick<Run, 'config' | 'datasetId' | 'modelId'>, edits: Record<string, unknown>): void;
  /** Starts the run; resolves to its id, or null (see startError). */
  start(): Promise<string | null>;
  reset(): void;
}

/** A causal_lm draft (or the draft for a dataset detected as causal_lm) without a data format gets the detected one. */
function startFromSft(draft: Record<string, unknown>, datasetId: string): Record<string, unknown> {
  const detection = useDatasets.getState().datasets.find((dataset) => dataset.id === datasetId)?.detection;
  const format = getField(draft, 'data.format');
  if (!detection?.sft || (format !== null && format !== undefined)) return draft;
  if (detection.task !== 'causal_lm' && getField(draft, 'model.task') !== 'causal_lm') return draft;
  return withSftDetection(draft, detection.sft);
}

/** The step-by-step form for a new run: dataset → model → settings → review. */
export const useNewRun = create<NewRunState & NewRunActions>((set, get) => ({
  ...newRunInitialState,
  goTo(step) {
    set({ step });
  },
  chooseDataset(id) {
    if (id === get().datasetId) return;
    // Settings derive from the dataset: ask for fresh defaults when the settings step opens.
    set({ datasetId: id, draft: null, reasons: {}, warnings: [], yaml: null });
  },
  chooseModel(id) {
    if (id === get().modelId) return;
    set({ modelId: id, draft: null, reasons: {}, warnings: [], yaml: null });
  },
  async suggest() {
    const { datasetId, modelId } = get();
    if (!datasetId) return;
    set({ suggesting: true, suggestError: null });
    try {
      const { config, reasons, warnings } = await call('config.suggest', modelId ? { dataset: datasetId, model: modelId } : { dataset: datasetId });
      set({ draft: startFromSft(config as unknown as Record<string, unknown>, datasetId), reasons, warnings, suggesting: false, modelId: modelId ?? config.model.name });
    } catch (error) {
      set({ suggesting: false, suggestError: errorShapeOf(error) });
    }
  },
  edit(path, value) {
    const { draft, datasetId } = get();
    if (!draft) return;
    const next = setField(draft, path, value);
    // Choosing causal_lm for data detected as fine-tuning data fills its format and columns.
    set({ draft: path === 'model.task' && datasetId ? startFromSft(next, datasetId) : next, yaml: null });
  },
  async review() {
    const { config } = validateConfig(get().draft);
    if (!config) return false;
    set({ yamlError: null });
    try {
      const { yaml } = await call('config.toYaml', { config });
      set({ yaml, step: 'review', exported: null });
      return true;
    } catch (error) {
      set({ yamlError: errorShapeOf(error) });
      return false;
    }
  },
  async importYaml(text) {
    set({ importError: null });
    try {
      const { config } = await call('config.parseYaml', { yaml: text });
      set({
        draft: config as unknown as Record<string, unknown>,
        reasons: {},
        warnings: [],
        datasetId: config.data.train_path,
        modelId: config.model.name,
        step: 'settings',
        yaml: null,
      });
      return true;
    } catch (error) {
      set({ importError: errorShapeOf(error) });
      return false;
    }
  },
  async exportYaml() {
    const { yaml, draft } = get();
    if (!yaml) return;
    const name = String((draft?.experiment as RunConfig['experiment'] | undefined)?.name ?? 'run').replace(/[^\w.-]+/g, '-');
    set({ exported: await bridge().saveText(`${name}.yaml`, yaml) });
  },
  copyRun(run, edits) {
    // The record holds resolved paths (the data folder's copies); the form names the dataset and model by id.
    let draft = setField(codeFromSources(run.config) as unknown as Record<string, unknown>, 'model.name', run.modelId);
    if (run.datasetId) draft = setField(draft, 'data.train_path', run.datasetId);
    for (const [path, value] of Object.entries(edits)) draft = setField(draft, path, value);
    set({ ...newRunInitialState, draft, datasetId: run.datasetId ?? run.config.data.train_path, modelId: run.modelId, step: 'settings' });
  },
  async start() {
    const { config } = validateConfig(get().draft);
    if (!config) return null;
    set({ starting: true, startError: null });
    try {
      const { runId } = await call('runs.start', { config });
      set({ starting: false });
      return runId;
    } catch (error) {
      set({ starting: false, startError: errorShapeOf(error) });
      return null;
    }
  },
  reset() {
    set(newRunInitialState);
  },
}));
