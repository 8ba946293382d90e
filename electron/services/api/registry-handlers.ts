import type { HandlerContext } from './handlers.ts';

/** Handlers for registry, prediction and export calls (api-registry.ts). */
export function registerRegistryHandlers(context: HandlerContext): void {
  const { handle, services } = context;
  handle('registry.register', (input) => services.registry.register(input.runId, input.name, { stage: input.stage, description: input.description }));
  handle('registry.list', () => ({ models: services.registry.list() }));
  handle('registry.get', (input) => ({ version: services.registry.resolve(input.model) }));
  handle('registry.setStage', (input) => ({ version: services.registry.setStage(input.model, input.stage) }));
}
