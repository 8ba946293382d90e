import type { AirlockBridge } from '../../../schemas/bridge.ts';
import type { ApiInput, ApiName, ApiOutput } from '../../../schemas/api.ts';
import { ErrorCode, type AirlockErrorShape } from '../../../schemas/errors.ts';

let current: AirlockBridge | null = null;

/** Installs the host's bridge (the Electron preload's `window.airlock`, or the web client). */
export function setBridge(bridge: AirlockBridge): void {
  current = bridge;
}

/** The installed bridge; every store action goes through it. */
export function bridge(): AirlockBridge {
  if (!current) throw new Error('Airlock: no bridge installed (setBridge was not called).');
  return current;
}

/** A failed call, carrying the error as the services reported it. */
export class ApiFailure extends Error {
  constructor(readonly shape: AirlockErrorShape) {
    super(shape.message);
    this.name = 'ApiFailure';
  }
}

/** Calls the API and returns its data, or throws ApiFailure with the reported error. */
export async function call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>> {
  const result = await bridge().call(name, input);
  if (!result.ok) throw new ApiFailure(result.error);
  return result.data;
}

/** The error shape of anything a call threw: reported errors as they are, anything else as INTERNAL_ERROR. */
export function errorShapeOf(error: unknown): AirlockErrorShape {
  if (error instanceof ApiFailure) return error.shape;
  // The bridge's own failures (an upload refused by the host) carry the error shape on the Error.
  const carried = error as Partial<AirlockErrorShape> | null;
  if (carried && ErrorCode.safeParse(carried.code).success && typeof carried.message === 'string') {
    return { code: carried.code!, message: carried.message, ...(carried.hint ? { hint: carried.hint } : {}) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message, hint: 'The connection to Airlock may have been lost: reload the page.' };
}
