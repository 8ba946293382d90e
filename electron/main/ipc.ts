import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Api } from '../services/api/handlers.ts';
import { safeFileName } from '../web/upload.ts';
import { CHOOSE_PATH_CHANNEL, NOTICE_CHANNEL, SAVE_TEXT_CHANNEL, callChannel, callNames } from '../preload/channels.ts';
import { isPathPurpose, openDialogOptions } from './dialog-options.ts';
import { isTrustedSender } from './sender.ts';

/** Largest text the page may save through the save dialog (exported configs are a few kilobytes). */
const SAVE_TEXT_LIMIT = 16 * 1024 * 1024;

/**
 * One `ipcMain.handle` per call of the API table, plus the two dialogs; every message's sender is checked
 * first. Notices go to the window with `webContents.send`. Returns the function that removes it all.
 */
export function registerIpc(api: Api, window: () => BrowserWindow | null): () => void {
  const trusted = (event: IpcMainInvokeEvent) => isTrustedSender(event, window()?.webContents ?? null);
  const refused = { ok: false, error: { code: 'ACCESS_DENIED', message: 'This request did not come from the Airlock window.' } } as const;
  const channels: string[] = [];

  for (const name of callNames()) {
    channels.push(callChannel(name));
    ipcMain.handle(callChannel(name), (event, input: unknown) => (trusted(event) ? api.call(name, input as never) : refused));
  }

  channels.push(CHOOSE_PATH_CHANNEL);
  ipcMain.handle(CHOOSE_PATH_CHANNEL, async (event, purpose: unknown) => {
    const owner = window();
    if (!trusted(event) || !owner || !isPathPurpose(purpose)) return null;
    const chosen = await dialog.showOpenDialog(owner, openDialogOptions(purpose));
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  });

  channels.push(SAVE_TEXT_CHANNEL);
  ipcMain.handle(SAVE_TEXT_CHANNEL, async (event, suggestedName: unknown, text: unknown) => {
    const owner = window();
    if (!trusted(event) || !owner || typeof suggestedName !== 'string' || typeof text !== 'string' || text.length > SAVE_TEXT_LIMIT) return false;
    const chosen = await dialog.showSaveDialog(owner, { title: 'Save', defaultPath: join(app.getPath('documents'), safeFileName(suggestedName)) });
    if (chosen.canceled || !chosen.filePath) return false;
    await writeFile(chosen.filePath, text, 'utf8');
    return true;
  });

  const unsubscribe = api.subscribe((notice) => {
    const contents = window()?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(NOTICE_CHANNEL, notice);
  });

  return () => {
    unsubscribe();
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
