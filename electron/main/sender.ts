import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { isAppUrl } from './app-scheme.ts';

/**
 * Whether an IPC message comes from the app's own page: sent by our window's web contents, from its top
 * frame (not an iframe), while that frame shows an `app://airlock/` page.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent | IpcMainEvent, 'sender' | 'senderFrame'>, window: WebContents | null): boolean {
  const frame = event.senderFrame;
  return window !== null && event.sender === window && frame !== null && frame.parent === null && isAppUrl(frame.url);
}
