import type { HandlerContext } from './handlers.ts';

/** Handlers for registry, prediction and export calls (api-registry.ts). */
export function registerRegistryHandlers(_context: HandlerContext): void {}
