/** Calls the app screens need beyond the core (previews, YAML round trips, settings). Spread into `ApiCalls` in api.ts. */
export const AppCalls = {} as const;
