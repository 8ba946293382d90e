import type { ApiInput, ApiName, ApiOutput, ApiResult, Notice } from './api.ts';

/** What the user is choosing with a system dialog. */
export type PathPurpose = 'dataset' | 'model-folder' | 'config' | 'predict-input' | 'export-target' | 'runtime-pack' | 'cluster-run';

/**
 * `window.airlock`: the only thing the renderer knows about its host. The Electron preload provides it
 * over IPC; in the web host a small client provides the same object over HTTP and a WebSocket.
 */
export interface AirlockBridge {
  readonly host: 'electron' | 'web';
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<ApiOutput<N>>>;
  /** Run events, run results and progress as they happen; returns the unsubscribe function. */
  subscribe(listener: (notice: Notice) => void): () => void;
  /** A system dialog for a local file or folder; null when cancelled or when the host has no dialogs (web). */
  choosePath(purpose: PathPurpose): Promise<string | null>;
  /**
   * A local path for a file the user dropped or picked in the page: the file's own path in Electron,
   * an uploaded copy in the web host (progress from 0 to 1 while it uploads).
   */
  pathForFile(file: File, onProgress?: (fraction: number) => void): Promise<string>;
  /** Saves text (an exported config) where the user chooses; false when they cancelled. */
  saveText(suggestedName: string, text: string): Promise<boolean>;
}
