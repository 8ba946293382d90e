import { create } from 'zustand';
import type { DevicesEvent } from '../../../schemas/events.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { call, errorShapeOf } from '../services/bridge.ts';

export interface DevicesState {
  devices: DevicesEvent | null;
  loading: boolean;
  error: AirlockErrorShape | null;
}

export const devicesInitialState: DevicesState = { devices: null, loading: false, error: null };

interface DevicesActions {
  /** Asks the trainer which GPUs it sees (starting torch takes a few seconds). */
  load(): Promise<void>;
}

/** The compute devices the trainer found. */
export const useDevices = create<DevicesState & DevicesActions>((set) => ({
  ...devicesInitialState,
  async load() {
    set({ loading: true, error: null });
    try {
      const { devices } = await call('devices.list', {});
      set({ devices, loading: false });
    } catch (error) {
      set({ error: errorShapeOf(error), loading: false });
    }
  },
}));
