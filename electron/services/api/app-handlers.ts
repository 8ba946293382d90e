import type { HandlerContext } from './handlers.ts';

/** Handlers for the app screens' extra calls (api-app.ts). */
export function registerAppHandlers(_context: HandlerContext): void {}
