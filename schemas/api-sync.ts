/** MLflow sync calls. Spread into `ApiCalls` in api.ts. */
export const SyncCalls = {} as const;
