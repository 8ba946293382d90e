import type { HandlerContext } from './handlers.ts';

/** Handlers for MLflow sync calls (api-sync.ts). */
export function registerSyncHandlers(_context: HandlerContext): void {}
