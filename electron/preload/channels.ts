/** The preload's IPC channels, shared with the main process that answers them. */
import { ApiCalls, type ApiName } from '../../schemas/api.ts';

/** The IPC channel of one API call: `airlock:call:<domain.verb>`, one per entry of the table. */
export function callChannel(name: ApiName): string {
  return `airlock:call:${name}`;
}

/** Every call name in the API table. */
export function callNames(): ApiName[] {
  return Object.keys(ApiCalls) as ApiName[];
}

/** Channels outside the API table: dialogs and pushed notices. */
export const CHOOSE_PATH_CHANNEL = 'airlock:choose-path';
export const SAVE_TEXT_CHANNEL = 'airlock:save-text';
export const NOTICE_CHANNEL = 'airlock:notice';
