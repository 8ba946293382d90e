/** Registry, predictions and export calls. Spread into `ApiCalls` in api.ts. */
export const RegistryCalls = {} as const;
