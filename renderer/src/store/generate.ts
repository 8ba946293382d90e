import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { GeneratedAnswer, PredictTarget } from '../../../schemas/predict.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';
import { targetKey } from './predict.ts';

export interface GenerateState {
  /** Which model the answer below belongs to: another one starts afresh. */
  targetKey: string | null;
  /** The predict.generate call in flight: its `generate` notices are the answer's pieces. */
  requestId: string | null;
  /** The answer so far: the pieces received, joined. */
  text: string;
  /** The finished answer (token count and time), once the call returns. */
  answer: GeneratedAnswer | null;
  error: AirlockErrorShape | null;
}

export const generateInitialState: GenerateState = { targetKey: null, requestId: null, text: '', answer: null, error: null };

interface GenerateActions {
  /** Starts afresh when `target` is not the model the state belongs to. */
  selectTarget(target: PredictTarget): void;
  /** Asks the model for an answer to `prompt`; the text grows as its pieces arrive. */
  generate(target: PredictTarget, prompt: string, options: { maxNewTokens: number; temperature: number }): Promise<void>;
}

function newRequestId(): string {
  return `try-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The prompt box of a language model on the Registry or Run screen: one answer, streamed in. */
export const useGenerate = create<GenerateState & GenerateActions>((set, get) => ({
  ...generateInitialState,
  selectTarget(target) {
    const key = targetKey(target);
    if (get().targetKey !== key) set({ ...generateInitialState, targetKey: key });
  },
  async generate(target, prompt, options) {
    const requestId = newRequestId();
    set({ requestId, text: '', answer: null, error: null });
    const unsubscribe = bridge().subscribe((notice) => {
      if (notice.kind === 'generate' && notice.id === requestId && get().requestId === requestId) set({ text: get().text + notice.text });
    });
    try {
      const { answer } = await call('predict.generate', { target, prompt, requestId, ...options });
      // The returned text is the whole answer, whatever pieces a lost notice left out.
      if (get().requestId === requestId) set({ requestId: null, text: answer.text, answer });
    } catch (error) {
      if (get().requestId === requestId) set({ requestId: null, error: errorShapeOf(error) });
    } finally {
      unsubscribe();
    }
  },
}));
