/**
 * The preload: exposes `window.airlock` and nothing else. One method per API call (`calls`), each bound
 * to its own IPC channel, plus `call(name, input)` that accepts only the table's names; no IPC primitive
 * reaches the page. Bundled to CommonJS because a sandboxed preload cannot load modules from disk.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiInput, ApiName, ApiOutput, ApiResult, Notice } from '../../schemas/api.ts';
import type { AirlockBridge, PathPurpose } from '../../schemas/bridge.ts';
import { CHOOSE_PATH_CHANNEL, NOTICE_CHANNEL, SAVE_TEXT_CHANNEL, callChannel, callNames } from './channels.ts';

type CallMethods = { [N in ApiName]: (input: ApiInput<N>) => Promise<ApiResult<ApiOutput<N>>> };

const calls = Object.freeze(
  Object.fromEntries(callNames().map((name) => [name, (input: unknown) => ipcRenderer.invoke(callChannel(name), input)])) as CallMethods,
);

const bridge = {
  host: 'electron',
  calls,
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<ApiOutput<N>>> {
    if (typeof name !== 'string' || !Object.hasOwn(calls, name)) {
      return Promise.resolve({ ok: false, error: { code: 'INVALID_INPUT', message: `There is no call "${String(name)}".` } });
    }
    return (calls[name] as (input: ApiInput<N>) => Promise<ApiResult<ApiOutput<N>>>)(input);
  },
  subscribe(listener: (notice: Notice) => void): () => void {
    const forward = (_event: Electron.IpcRendererEvent, notice: Notice) => listener(notice);
    ipcRenderer.on(NOTICE_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(NOTICE_CHANNEL, forward);
  },
  choosePath: (purpose: PathPurpose): Promise<string | null> => ipcRenderer.invoke(CHOOSE_PATH_CHANNEL, purpose),
  async pathForFile(file: File, onProgress?: (fraction: number) => void): Promise<string> {
    const path = webUtils.getPathForFile(file);
    if (!path) throw new Error('This file has no path on disk (it was not picked or dropped from a folder).');
    onProgress?.(1);
    return path;
  },
  saveText: (suggestedName: string, text: string): Promise<boolean> => ipcRenderer.invoke(SAVE_TEXT_CHANNEL, suggestedName, text),
} satisfies AirlockBridge & { calls: CallMethods };

contextBridge.exposeInMainWorld('airlock', bridge);
