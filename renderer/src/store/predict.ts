import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { FileInspection, LabelFileResult, LabelledFileFormat, PredictTarget } from '../../../schemas/predict.ts';
import type { Prediction } from '../../../schemas/registry.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';

/** Where labelling a file stands: choosing, reading it, confirming the column, labelling, done. */
export type LabelPhase = 'choose' | 'reading' | 'confirm' | 'labelling' | 'done';

export interface PredictState {
  /** Which model the state below belongs to (a registered version or a run): another one starts afresh. */
  targetKey: string | null;
  predicting: boolean;
  predictions: Prediction[];
  predictError: AirlockErrorShape | null;
  phase: LabelPhase;
  fraction: number | null;
  message: string;
  file: FileInspection | null;
  column: string;
  jobId: string | null;
  result: LabelFileResult | null;
  labelError: AirlockErrorShape | null;
  saving: boolean;
  saved: { path: string; rows: number; format: LabelledFileFormat } | null;
  saveError: AirlockErrorShape | null;
}

export const predictInitialState: PredictState = {
  targetKey: null,
  predicting: false,
  predictions: [],
  predictError: null,
  phase: 'choose',
  fraction: null,
  message: '',
  file: null,
  column: '',
  jobId: null,
  result: null,
  labelError: null,
  saving: false,
  saved: null,
  saveError: null,
};

interface PredictActions {
  /** Starts afresh when `target` is not the model the state belongs to. */
  selectTarget(target: PredictTarget): void;
  /** "Try it": the previous answer is cleared while the new one is computed. */
  predict(target: PredictTarget, text: string): Promise<void>;
  /** Reads a file to label (a typed path, or a dropped file uploaded first in the web host). */
  open(path: string | File): Promise<void>;
  setColumn(column: string): void;
  label(target: PredictTarget): Promise<void>;
  cancel(): Promise<void>;
  save(folder: string, format: LabelledFileFormat): Promise<void>;
  /** Back to choosing a file. */
  restart(): void;
}

/** A stable name for a target. */
export function targetKey(target: PredictTarget): string {
  return 'model' in target ? `model:${target.model}` : `run:${target.runId}`;
}

function newJobId(): string {
  return `label-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

const fileState = { phase: 'choose' as LabelPhase, fraction: null, message: '', file: null, column: '', jobId: null, result: null, labelError: null, saving: false, saved: null, saveError: null };

/** "Try it" and "Label a file" for the model shown on the Registry or Run screen. */
export const usePredict = create<PredictState & PredictActions>((set, get) => ({
  ...predictInitialState,
  selectTarget(target) {
    const key = targetKey(target);
    if (get().targetKey !== key) set({ ...predictInitialState, targetKey: key });
  },
  async predict(target, text) {
    set({ predicting: true, predictions: [], predictError: null });
    try {
      const { predictions } = await call('predict.text', { target, texts: [text] });
      set({ predicting: false, predictions });
    } catch (error) {
      set({ predicting: false, predictError: errorShapeOf(error) });
    }
  },
  async open(chosen) {
    set({ ...fileState, phase: 'reading', message: typeof chosen === 'string' ? 'Reading the file' : `Uploading ${chosen.name}` });
    try {
      const path = typeof chosen === 'string' ? chosen : await bridge().pathForFile(chosen, (fraction) => set({ fraction }));
      set({ fraction: null, message: 'Reading the file' });
      const { file } = await call('predict.inspect', { path });
      set({ phase: 'confirm', file, column: file.textColumn ?? file.columns[0] ?? '' });
    } catch (error) {
      set({ phase: 'choose', labelError: errorShapeOf(error) });
    }
  },
  setColumn(column) {
    set({ column });
  },
  async label(target) {
    const { file, column } = get();
    if (!file) return;
    const jobId = newJobId();
    set({ phase: 'labelling', jobId, fraction: 0, message: `Reading ${file.fileName}`, result: null, labelError: null, saved: null, saveError: null });
    const unsubscribe = bridge().subscribe((notice) => {
      if (notice.kind === 'progress' && notice.task === 'predict' && notice.id === jobId && get().jobId === jobId && get().phase === 'labelling') {
        set({ fraction: notice.fraction, message: notice.message ?? get().message });
      }
    });
    try {
      const { result } = await call('predict.label', { target, path: file.path, column, jobId });
      if (get().jobId === jobId) set({ phase: 'done', result, fraction: 1 });
    } catch (error) {
      if (get().jobId === jobId) set({ phase: 'confirm', labelError: errorShapeOf(error) });
    } finally {
      unsubscribe();
    }
  },
  async cancel() {
    const { jobId } = get();
    if (!jobId) return;
    set({ message: 'Stopping after the rows in progress…' });
    await call('predict.cancel', { jobId }).catch(() => undefined);
  },
  async save(folder, format) {
    const { jobId } = get();
    if (!jobId) return;
    set({ saving: true, saved: null, saveError: null });
    try {
      const saved = await call('predict.save', { jobId, folder, format });
      set({ saving: false, saved });
    } catch (error) {
      set({ saving: false, saveError: errorShapeOf(error) });
    }
  },
  restart() {
    set({ ...fileState });
  },
}));
