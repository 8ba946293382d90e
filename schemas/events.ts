import { z } from 'zod';
import { ErrorCode } from './errors.ts';

/** Version of the trainer event protocol. Bumped only for incompatible changes. */
export const EVENT_PROTOCOL_VERSION = 1;

const Envelope = {
  v: z.literal(EVENT_PROTOCOL_VERSION),
  run_id: z.string().nullable().describe('The run this event belongs to; null for one-shot commands such as devices.'),
  seq: z.number().int().min(0).describe('Position of the event in its stream, from 0.'),
  ts: z.string().describe('ISO 8601 time the event was written.'),
};

/** One compute device the trainer can use. */
export const Device = z.object({
  index: z.number().int().min(0),
  kind: z.enum(['cuda', 'cpu']),
  name: z.string(),
  memory_bytes: z.number().int().nullable(),
  compute_capability: z.string().nullable(),
  bf16: z.boolean(),
});
export type Device = z.infer<typeof Device>;

export const Metrics = z.record(z.string(), z.number()).describe('Metric name (e.g. val/accuracy) to value.');

export const DevicesEvent = z.object({
  ...Envelope,
  type: z.literal('devices'),
  devices: z.array(Device),
  cuda_available: z.boolean(),
  cpu_only_reason: z.string().nullable().describe('Why no GPU is used, in plain words, when none is.'),
  torch_version: z.string(),
  cuda_version: z.string().nullable().default(null).describe('The CUDA version torch was built for (torch.version.cuda); null for a CPU build.'),
  cpu_threads: z.number().int(),
});

export const ModelInfoEvent = z.object({
  ...Envelope,
  type: z.literal('model_info'),
  info: z.record(z.string(), z.unknown()),
});

export const TokenLengthsEvent = z.object({
  ...Envelope,
  type: z.literal('token_lengths'),
  count: z.number().int().min(1).describe('Texts measured (a uniform sample of at most a few thousand rows).'),
  mean: z.number(),
  p50: z.number().int(),
  p95: z.number().int(),
  p99: z.number().int(),
  max: z.number().int(),
  rows: z.number().int().optional().describe('Fine-tuning rows (--sft): the rows training keeps, of which `count` were measured.'),
  lengths: z.array(z.number().int()).optional().describe('Fine-tuning rows (--sft): every measured row\'s length, ascending, to count the rows a max_length cuts.'),
});
export type TokenLengthsEvent = z.infer<typeof TokenLengthsEvent>;

/** The first rows of the training data before and after data.preprocess, for the preview before training. */
export const PreviewRowsEvent = z.object({
  ...Envelope,
  type: z.literal('preview_rows'),
  rows: z.array(z.object({ text: z.string(), preprocessed: z.string(), label: z.unknown() })),
});
export type PreviewRowsEvent = z.infer<typeof PreviewRowsEvent>;

export const StartedEvent = z.object({
  ...Envelope,
  type: z.literal('started'),
  accelerator: z.enum(['cuda', 'cpu']),
  devices: z.number().int().min(1),
  device_name: z.string(),
  precision: z.string(),
  labels: z.array(z.string()),
  train_rows: z.number().int(),
  val_rows: z.number().int(),
  test_rows: z.number().int(),
  total_steps: z.number().int(),
  resumed_from: z.string().nullable(),
  // More than one process: how the work is split (absent in events of older versions).
  num_nodes: z.number().int().min(1).optional(),
  world_size: z.number().int().min(1).optional(),
  strategy: z.string().optional(),
  effective_batch_size: z.number().int().min(1).optional(),
});

export const ProgressEvent = z.object({
  ...Envelope,
  type: z.literal('progress'),
  stage: z.enum(['loading_model', 'loading_data', 'tokenizing', 'validating', 'testing', 'saving', 'predicting', 'exporting']),
  message: z.string(),
  fraction: z.number().min(0).max(1).nullable(),
});

export const StepEvent = z.object({
  ...Envelope,
  type: z.literal('step'),
  step: z.number().int().min(0).describe('Optimizer steps done so far.'),
  total_steps: z.number().int(),
  epoch: z.number().int().min(0),
  loss: z.number(),
  learning_rate: z.number(),
  samples_per_s: z.number(),
  tokens_per_s: z.number().describe('Real (non-padding) tokens per second.'),
});

export const EpochEvent = z.object({
  ...Envelope,
  type: z.literal('epoch'),
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  metrics: Metrics,
});

export const CheckpointEvent = z.object({
  ...Envelope,
  type: z.literal('checkpoint'),
  kind: z.enum(['last', 'best']),
  path: z.string(),
  step: z.number().int().min(0),
});

/** causal_lm: what the model writes for a few fixed validation prompts, after each validation pass. */
export const GenerationsEvent = z.object({
  ...Envelope,
  type: z.literal('generations'),
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  samples: z.array(
    z.object({
      prompt: z.string().describe('The prompt (for chats: the user turn the answer replies to; the model reads the whole conversation before it, with the chat template).'),
      reference: z.string().describe('The answer in the validation data.'),
      output: z.string().describe('What the model wrote (greedy decoding, at most evaluation.max_new_tokens tokens).'),
    }),
  ),
});
export type GenerationsEvent = z.infer<typeof GenerationsEvent>;

/** Before any training work: the memory each fine-tuning method needs, whether the chosen one fits, and on the CPU how long it would take. */
export const PreflightEvent = z.object({
  ...Envelope,
  type: z.literal('preflight'),
  method: z.enum(['full', 'lora', 'qlora']).describe('The method training.finetuning chose (auto: lora for causal_lm, full otherwise).'),
  estimates: z
    .object({ full: z.number().int().min(0), lora: z.number().int().min(0), qlora: z.number().int().min(0) })
    .describe('Bytes each method needs at the config\'s batch size and max_length: weights, gradients, AdamW states, activations and 1 GiB of overhead.'),
  device_memory_bytes: z.number().int().nullable().describe('Memory of the (smallest) GPU used, or of the machine on the CPU; null when unknown.'),
  fits: z.boolean().describe("Whether the chosen method's estimate fits in device_memory_bytes."),
  estimated_hours: z.number().nullable().describe('CPU runs: the estimated training time; null on a GPU.'),
  warning: z.boolean().describe('True when the user should be told before waiting: it does not fit, or it would take more than a few hours.'),
  message: z.string().describe('The estimate in plain words, with what would fit instead when the chosen method does not.'),
});
export type PreflightEvent = z.infer<typeof PreflightEvent>;

export const FinishedEvent = z.object({
  ...Envelope,
  type: z.literal('finished'),
  status: z.enum(['completed', 'cancelled']),
  metrics: Metrics,
  model_dir: z.string().nullable().describe('Folder of the final model (safetensors + tokenizer), when one was saved.'),
  duration_s: z.number(),
  details: z.record(z.string(), z.unknown()).default({}).describe('Extra results such as the confusion matrix.'),
});

export const ErrorEvent = z.object({
  ...Envelope,
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
  hint: z.string().nullable().default(null),
  field: z.string().nullable().default(null),
  details: z.array(z.string()).default([]),
});

/** Every line the trainer writes on stdout. */
export const TrainerEvent = z.discriminatedUnion('type', [
  DevicesEvent,
  ModelInfoEvent,
  TokenLengthsEvent,
  PreviewRowsEvent,
  StartedEvent,
  ProgressEvent,
  StepEvent,
  EpochEvent,
  CheckpointEvent,
  GenerationsEvent,
  PreflightEvent,
  FinishedEvent,
  ErrorEvent,
]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;
export type StepEvent = z.infer<typeof StepEvent>;
export type FinishedEvent = z.infer<typeof FinishedEvent>;
export type ErrorEvent = z.infer<typeof ErrorEvent>;
export type DevicesEvent = z.infer<typeof DevicesEvent>;
