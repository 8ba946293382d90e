import { listRemovableVolumes } from '../export/volumes.ts';
import { verifyBundle } from '../export/verify.ts';
import { requireFullPath } from '../util/paths.ts';
import type { HandlerContext } from './handlers.ts';

/** Handlers for registry and export calls (api-registry.ts). */
export function registerRegistryHandlers(context: HandlerContext): void {
  const { handle, services, notify } = context;
  handle('registry.register', (input) => services.registry.register(input.runId, input.name, { stage: input.stage, description: input.description }));
  handle('registry.list', () => ({ models: services.registry.list() }));
  handle('registry.get', (input) => ({ version: services.registry.resolve(input.model) }));
  handle('registry.setStage', (input) => ({ version: services.registry.setStage(input.model, input.stage) }));

  const progress = (id: string) => (fraction: number | null, message: string) =>
    notify({ kind: 'progress', task: 'export', id, fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)), message });
  handle('export.volumes', () => ({ volumes: listRemovableVolumes() }));
  handle('export.target', (input) => services.exporter.target(input.model, input.to, { merged: input.merged }));
  handle('export.bundle', async (input) => ({
    bundle: await services.exporter.export(input.model, input.to, progress(input.to), { replace: input.replace, merged: input.merged }),
  }));
  handle('export.verify', async (input) => ({ bundle: await verifyBundle(requireFullPath(input.path, { field: 'path', what: 'bundle folder', exampleName: 'tickets-v1' })) }));
}
