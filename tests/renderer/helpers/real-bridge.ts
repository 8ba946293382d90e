import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirlockBridge, PathPurpose } from '../../../schemas/bridge.ts';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';

/** A bridge over the real services in this process: what the web host does, without HTTP. */
export interface TestBridge extends AirlockBridge {
  services: Services;
  api: Api;
  home: string;
  /** Texts handed to saveText, in order. */
  saved: { name: string; text: string }[];
  /** Paths choosePath answers next (null = the user cancelled), per purpose. */
  choose: Partial<Record<PathPurpose, string | null>>;
  close(): void;
}

/** Real services around a fresh data folder, wrapped as the renderer's bridge (host 'web'). */
export async function createTestBridge(): Promise<TestBridge> {
  const home = mkdtempSync(join(tmpdir(), 'airlock-renderer-'));
  const uploads = mkdtempSync(join(tmpdir(), 'airlock-uploads-'));
  const services = await createServices(home);
  const api = createApi(services);
  const saved: { name: string; text: string }[] = [];
  const choose: Partial<Record<PathPurpose, string | null>> = {};
  let uploaded = 0;
  return {
    host: 'web',
    services,
    api,
    home,
    saved,
    choose,
    call: (name, input) => api.call(name, input),
    subscribe: (listener) => api.subscribe(listener),
    choosePath: async (purpose) => choose[purpose] ?? null,
    async pathForFile(file, onProgress) {
      // What the web host's upload does: the bytes land in a local file the services can read.
      const folder = join(uploads, String(uploaded++));
      const { mkdirSync } = await import('node:fs');
      mkdirSync(folder);
      const path = join(folder, file.name);
      onProgress?.(0);
      writeFileSync(path, Buffer.from(await file.arrayBuffer()));
      onProgress?.(1);
      return path;
    },
    async saveText(name, text) {
      saved.push({ name, text });
      return true;
    },
    close() {
      services.close();
      rmSync(home, { recursive: true, force: true });
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}
