import { installRuntime } from '../runtime/install.ts';
import { runtimeState } from '../runtime/state.ts';
import { requireFullPath } from '../util/paths.ts';
import type { HandlerContext } from './handlers.ts';

/**
 * Handlers for the training runtime (api-runtime.ts). An install streams its stages as progress notices
 * (task "runtime-install", id = the caller's jobId) and answers with the installed runtime once its self-check
 * passed; a second install while one runs is refused by the install lock (RUNTIME_INSTALL_IN_PROGRESS).
 */
export function registerRuntimeHandlers({ handle, services, notify }: HandlerContext): void {
  const home = services.paths.root;
  handle('runtime.status', () => ({ state: runtimeState(home) }));
  handle('runtime.install', async (input) => {
    const archive = requireFullPath(input.path, { field: 'path', what: 'runtime pack', exampleName: 'airlock-runtime-0.1.0-linux-x86_64-py3.11-cpu.tar' });
    const runtime = await installRuntime(home, archive, services.models, (stage, message, fraction) =>
      notify({ kind: 'progress', task: 'runtime-install', id: input.jobId, stage, fraction: fraction === undefined ? null : Math.min(1, Math.max(0, fraction)), message }),
    );
    return { runtime, state: runtimeState(home) };
  });
}
