import { z } from 'zod';
import { ModelRef, ModelVersion, RegisteredModel, Stage, VerifiedBundle, Volume } from './registry.ts';

const Name = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit');

/** Registry and export calls. Spread into `ApiCalls` in api.ts (predictions: api-predict.ts). */
export const RegistryCalls = {
  'registry.register': {
    input: z
      .object({
        runId: z.string().min(1),
        name: Name.describe('The registered model name.'),
        stage: Stage.optional().describe('Stage of the new version (default none).'),
        description: z.string().max(2000).optional(),
      })
      .strict(),
    output: z.object({ version: ModelVersion, existing: z.boolean().describe('True when this run was already registered under the name.') }),
  },
  'registry.list': { input: z.object({}).strict(), output: z.object({ models: z.array(RegisteredModel) }) },
  'registry.get': { input: z.object({ model: ModelRef }).strict(), output: z.object({ version: ModelVersion }) },
  'registry.setStage': {
    input: z.object({ model: ModelRef, stage: Stage }).strict(),
    output: z.object({ version: ModelVersion }),
  },
  'export.volumes': { input: z.object({}).strict(), output: z.object({ volumes: z.array(Volume) }) },
  'export.target': {
    input: z.object({ model: ModelRef, to: z.string().min(1).describe('A full path to an existing folder.'), merged: z.boolean().optional() }).strict(),
    output: z.object({
      path: z.string().describe('The bundle folder an export would write: <to>/<name>-v<version>.'),
      exists: z.boolean().describe('Something is already at that path.'),
      replaceable: z.boolean().describe('What is there is an Airlock bundle, which export.bundle with replace may swap for a new one.'),
    }),
  },
  'export.bundle': {
    input: z
      .object({
        model: ModelRef,
        to: z.string().min(1).describe('A full path to an existing folder; the bundle is written inside it.'),
        replace: z.boolean().optional().describe('Replace an Airlock bundle of this version already in the folder, once the new one is written.'),
        merged: z.boolean().optional().describe('LoRA fine-tuned language models: the adapter merged into the base weights (a full model), not the adapter alone.'),
      })
      .strict(),
    output: z.object({ bundle: VerifiedBundle }),
  },
  'export.verify': { input: z.object({ path: z.string().min(1).describe('A full path to a bundle folder.') }).strict(), output: z.object({ bundle: VerifiedBundle }) },
} as const;
