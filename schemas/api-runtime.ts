import { z } from 'zod';
import { InstalledRuntime, RuntimeState } from './runtime.ts';

/** The training runtime: what is in use, and installing one from a runtime pack. Spread into `ApiCalls` in api.ts. */
export const RuntimeCalls = {
  'runtime.status': { input: z.object({}).strict(), output: z.object({ state: RuntimeState }) },
  'runtime.install': {
    input: z
      .object({
        path: z.string().min(1).max(4096).describe('The runtime pack (.tar), as a full path.'),
        jobId: z
          .string()
          .min(1)
          .max(100)
          .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only')
          .describe('Chosen by the caller, to follow the progress notices (task "runtime-install") before the call returns.'),
      })
      .strict(),
    output: z.object({ runtime: InstalledRuntime, state: RuntimeState }),
  },
} as const;
