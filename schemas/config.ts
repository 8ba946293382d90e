import { z } from 'zod';

/** The model Airlock ships in every fresh data folder, used when a config names none. */
export const DEFAULT_MODEL_ID = 'all-minilm-l6-v2';

/**
 * Longest names users give, in characters. Names are shown in tables, headers and MLflow, so a pasted paragraph
 * must be refused with a clear error rather than stretch every screen (or fail at the MLflow server later).
 */
export const NAME_LIMITS = {
  /** A dataset's name: a file name (255 bytes on every common file system) fits. */
  dataset: 255,
  /** An experiment's name. */
  experiment: 200,
  /** A tag key and a tag value (MLflow's own limits are larger). */
  tagKey: 250,
  tagValue: 1000,
  /** A path or model cache id. */
  path: 4096,
} as const;

export const ModelTask = z.enum(['classification', 'multi_label', 'regression']);
export type ModelTask = z.infer<typeof ModelTask>;

export const ModelSection = z
  .object({
    name: z
      .string()
      .min(1)
      .max(NAME_LIMITS.path)
      .default(DEFAULT_MODEL_ID)
      .describe('Model to fine-tune: an id from the offline model cache (`airlock models`) or a local Hugging Face model folder.'),
    task: ModelTask.default('classification').describe(
      'What the model predicts: one label per row (classification), several labels per row (multi_label) or a number (regression).',
    ),
    allow_pickle: z
      .boolean()
      .default(false)
      .describe('Allow loading pickle (*.bin) weights. Pickle files can run code when loaded: only enable this for models you trust.'),
  })
  .strict();

export const DataSection = z
  .object({
    train_path: z.string().min(1).max(NAME_LIMITS.path).describe('Training data: a dataset id from `airlock datasets`, or a CSV, TSV, JSONL or Parquet file.'),
    val_path: z.string().min(1).max(NAME_LIMITS.path).nullable().default(null).describe('Validation data. When empty, val_split of the training data is held out.'),
    val_split: z
      .number()
      .gt(0)
      .lt(0.5)
      .default(0.1)
      .describe('Share of the training rows held out for validation when val_path is empty (between 0 and 0.5).'),
    test_path: z.string().min(1).max(NAME_LIMITS.path).nullable().default(null).describe('Optional test data, scored once after training.'),
    // Column names come from the user's own file header, whatever their length: no limit of ours to refuse them by.
    text_column: z.string().min(1).describe('Column holding the text the model reads.'),
    label_column: z
      .string()
      .min(1)
      .describe('Column holding the label the model learns to predict (a different column from the text).'),
    max_length: z
      .number()
      .int()
      .min(8)
      .max(8192)
      .default(128)
      .describe('Longest input in tokens; longer texts are cut. Detection picks the value covering 95% of your texts.'),
  })
  .strict();

export const Precision = z.enum(['auto', '32-true', 'bf16-mixed', '16-mixed']);

export const TrainingSection = z
  .object({
    max_epochs: z.number().int().min(1).max(1000).default(3).describe('Passes over the training data.'),
    max_steps: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('Stop after this many optimizer steps, whatever max_epochs says (empty: no limit). Useful for quick trial runs.'),
    learning_rate: z.number().gt(0).max(1).default(5e-5).describe('Peak learning rate of AdamW, reached after warm-up.'),
    warmup_ratio: z.number().min(0).max(0.5).default(0.1).describe('Share of the steps spent warming the learning rate up from zero.'),
    weight_decay: z.number().min(0).max(1).default(0.01).describe('AdamW weight decay.'),
    batch_size: z.number().int().min(1).max(4096).default(32).describe('Rows per optimizer step on each device.'),
    precision: Precision.default('auto').describe(
      'Numeric precision. auto picks bf16-mixed on GPUs that support it, 16-mixed on older GPUs, 32-true on the CPU.',
    ),
    seed: z.number().int().min(0).default(42).describe('Random seed for the data split, shuffling and weight init.'),
    devices: z
      .union([z.literal('auto'), z.literal('cpu'), z.number().int().min(1)])
      .default('auto')
      .describe('auto uses every GPU found (or the CPU), cpu forces the CPU, a number uses that many GPUs.'),
    early_stopping_patience: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('Stop when validation macro-F1 has not improved for this many epochs (empty: never stop early).'),
  })
  .strict();

export const ExperimentSection = z
  .object({
    name: z
      .string()
      .min(1)
      .max(NAME_LIMITS.experiment)
      .default('default')
      .describe('Experiment the run belongs to (an MLflow experiment after sync).'),
    tags: z
      .record(z.string().min(1).max(NAME_LIMITS.tagKey), z.string().max(NAME_LIMITS.tagValue))
      .default({})
      .describe('Free-form key/value tags stored with the run.'),
  })
  .strict();

export const DeploymentSection = z
  .object({
    register_model: z.boolean().default(false).describe('Register the trained model as a new model version when the run completes.'),
    stage: z.enum(['none', 'staging', 'production']).default('staging').describe('Stage given to a registered model version.'),
  })
  .strict();

/** The message for a config that reads its labels from its text column; the trainer says the same (config.py). */
export const SAME_COLUMN_MESSAGE = 'must be a different column from data.text_column: a model cannot learn to predict the text it reads';

/** The whole training configuration: one YAML file with snake_case keys, validated by Node and by the trainer. */
export const RunConfig = z
  .object({
    model: ModelSection.default({ name: DEFAULT_MODEL_ID, task: 'classification', allow_pickle: false }),
    data: DataSection,
    training: TrainingSection.default(() => TrainingSection.parse({})),
    experiment: ExperimentSection.default({ name: 'default', tags: {} }),
    deployment: DeploymentSection.default({ register_model: false, stage: 'staging' }),
  })
  .strict()
  // Every row's label would be its own text: a run "with 218 classes" that can never generalise.
  .refine((config) => config.data.text_column !== config.data.label_column, {
    message: SAME_COLUMN_MESSAGE,
    path: ['data', 'label_column'],
  });
export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;
