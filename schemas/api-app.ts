import { z } from 'zod';
import { RunConfig } from './config.ts';
import { Dataset } from './dataset.ts';

/** Calls the app screens need beyond the core (previews, YAML round trips, settings). Spread into `ApiCalls` in api.ts. */
export const AppCalls = {
  'config.toYaml': {
    input: z.object({ config: z.unknown().describe('A config to validate and write as commented YAML.') }).strict(),
    output: z.object({ yaml: z.string() }),
  },
  'config.parseYaml': {
    input: z.object({ yaml: z.string().max(1_000_000).describe('The text of a YAML config file.') }).strict(),
    output: z.object({ config: RunConfig }),
  },
  'datasets.setColumns': {
    input: z
      .object({
        id: z.string().min(1).max(200),
        textColumn: z.string().min(1).describe('The column the model reads.'),
        labelColumn: z.string().min(1).describe('The column the model learns to predict.'),
      })
      .strict(),
    output: z.object({ dataset: Dataset }),
  },
} as const;
