import { z } from 'zod';

/** What Airlock reads from a Hugging Face model folder without loading it. */
export const ModelInfo = z.object({
  architecture: z.string().nullable().describe('First entry of config.json "architectures", e.g. BertModel.'),
  modelType: z.string().nullable().describe('config.json "model_type", e.g. bert.'),
  modality: z.enum(['text', 'vision', 'audio', 'unknown']),
  parameters: z.number().int().nullable().describe('Parameter count read from the safetensors headers.'),
  weightsFormat: z.enum(['safetensors', 'pickle']),
  weightsBytes: z.number().int(),
  hasTokenizer: z.boolean(),
  hasProcessor: z.boolean(),
  maxPositions: z.number().int().nullable(),
  hiddenSize: z.number().int().nullable(),
  needsClassificationHead: z.boolean().describe('True when a new classification head is added on top for fine-tuning.'),
  labels: z.array(z.string()).describe('Labels of an existing classification head, if any.'),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** A model in the offline cache. */
export const CachedModel = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  sourcePath: z.string(),
  allowPickle: z.boolean(),
  info: ModelInfo,
  createdAt: z.string(),
});
export type CachedModel = z.infer<typeof CachedModel>;
