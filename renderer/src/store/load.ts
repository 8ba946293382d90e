import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { errorShapeOf } from '../services/bridge.ts';

/** The part of a store's state that a load action maintains. */
export interface Loadable {
  loaded: boolean;
  loading: boolean;
  error: AirlockErrorShape | null;
}

/** Runs a store's load action: sets `loading`, then merges what `fetch` returned (and `loaded`), or the error. */
export async function loadInto<T extends object>(set: (partial: Partial<Loadable> | (T & Loadable)) => void, fetch: () => Promise<T>): Promise<void> {
  set({ loading: true, error: null });
  try {
    const data = await fetch();
    set({ ...data, loaded: true, loading: false, error: null });
  } catch (error) {
    set({ error: errorShapeOf(error), loading: false });
  }
}
