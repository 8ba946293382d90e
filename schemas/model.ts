import { z } from 'zod';

/** pad_token: the tokenizer has its own padding token. eos_token: it has none (GPT-2 style decoders), so Airlock
 * pads with the end-of-text token, set on the tokenizer and the model config. none: neither, so it cannot batch. */
export const PaddingSource = z.enum(['pad_token', 'eos_token', 'none']);
export type PaddingSource = z.infer<typeof PaddingSource>;

/** What Airlock reads from a Hugging Face model folder without loading it. */
export const ModelInfo = z.object({
  architecture: z.string().nullable().describe('First entry of config.json "architectures", e.g. BertModel.'),
  modelType: z.string().nullable().describe('config.json "model_type", e.g. bert.'),
  // Records stored before image datasets existed said "vision"; the dataset's word, "image", is used for both now.
  modality: z.preprocess((value) => (value === 'vision' ? 'image' : value), z.enum(['text', 'image', 'audio', 'unknown'])),
  parameters: z.number().int().nullable().describe('Parameter count read from the safetensors headers.'),
  weightsFormat: z.enum(['safetensors', 'pickle']),
  weightsBytes: z.number().int(),
  hasTokenizer: z.boolean(),
  hasProcessor: z.boolean(),
  maxPositions: z.number().int().nullable().describe('Positions config.json lists (max_position_embeddings, or n_positions for GPT-2).'),
  // Records stored before these facts existed read as null until the cache inspects their folder again.
  maxInputTokens: z
    .number()
    .int()
    .nullable()
    .default(null)
    .describe("Longest input the model can really read, in tokens: its positions less RoBERTa's padding offset (514 -> 512), capped by the tokenizer's model_max_length. The most data.max_length may be."),
  padding: PaddingSource.nullable().default(null).describe('How training pads batches; null without a tokenizer.'),
  padToken: z.string().nullable().default(null).describe('The token batches are padded with (the end-of-text token when padding is eos_token).'),
  hiddenSize: z.number().int().nullable(),
  // Records stored before causal LMs were understood read as false; the cache inspects a causal architecture's folder again.
  causalLm: z
    .boolean()
    .default(false)
    .describe('A text generator: an architecture ending in ForCausalLM or LMHeadModel (GPT-2, Llama, Mistral, Qwen, Phi, Gemma). Fine-tuned with the causal_lm task.'),
  chatTemplate: z
    .boolean()
    .default(false)
    .describe('The tokenizer has a chat template (tokenizer_config.json "chat_template" or a chat_template.jinja file), which chat data is formatted with.'),
  needsClassificationHead: z.boolean().describe('True when a new classification head is added on top for fine-tuning.'),
  labels: z.array(z.string()).describe('Labels of an existing classification head, if any.'),
  imageSize: z.string().nullable().default(null).describe('Image models: the picture size the processor resizes to, e.g. "224×224".'),
  samplingRate: z.number().int().nullable().default(null).describe('Audio models: the sampling rate (Hz) the feature extractor expects; clips are resampled to it.'),
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
