import { z } from 'zod';
import { Reachability, SyncCredentials, SyncReport, SyncSettings, SyncSettingsView, SyncStatus } from './sync.ts';

/** MLflow sync calls. Spread into `ApiCalls` in api.ts. */
export const SyncCalls = {
  'sync.settings.get': { input: z.object({}).strict(), output: z.object({ settings: SyncSettingsView }) },
  'sync.settings.set': {
    input: z
      .object({
        settings: SyncSettings.partial().strict().default({}),
        credentials: SyncCredentials.nullable().optional().describe('Kept by the secret store (the OS keyring in the app, memory in the CLI); null forgets them.'),
      })
      .strict(),
    output: z.object({ settings: SyncSettingsView }),
  },
  'sync.status': { input: z.object({}).strict(), output: z.object({ status: SyncStatus }) },
  'sync.now': {
    input: z.object({ retryFailed: z.boolean().default(true).describe('Also retry items that failed before.') }).strict(),
    output: z.object({ report: SyncReport }),
  },
  'sync.probe': { input: z.object({}).strict(), output: z.object({ reachability: Reachability }) },
} as const;
