import { z } from 'zod';
import { CodeReference, LossSetting, MetricSetting, extensionProblems } from './extensions.ts';
import { MLFLOW_MAX_EXPERIMENT_NAME_LENGTH, MLFLOW_MAX_KEY_LENGTH, MLFLOW_MAX_TAG_VALUE_LENGTH, experimentNameProblem, tagKeyProblems, tagValueProblem } from './mlflow.ts';

/** The model Airlock ships in every fresh data folder, used when a config names none. */
export const DEFAULT_MODEL_ID = 'all-minilm-l6-v2';

/**
 * Longest names users give, in characters. Names are shown in tables, headers and MLflow, so a pasted paragraph
 * must be refused with a clear error rather than stretch every screen (or fail at the MLflow server later).
 */
export const NAME_LIMITS = {
  /** A dataset's name: a file name (255 bytes on every common file system) fits. */
  dataset: 255,
  /** An experiment's name (MLflow's database column holds 256). */
  experiment: 256,
  /** A tag key and a tag value, as MLflow limits them. */
  tagKey: 250,
  tagValue: 8000,
  /** A path or model cache id. */
  path: 4096,
} as const;

export const ModelTask = z.enum(['classification', 'multi_label', 'regression', 'causal_lm']);
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
      'What the model predicts: one label per row (classification), several labels per row (multi_label), a number (regression), ' +
        'or text (causal_lm: a causal language model such as GPT-2, Llama or Qwen learns to write the completions, chats or text of data.format).',
    ),
    allow_pickle: z
      .boolean()
      .default(false)
      .describe('Allow loading pickle (*.bin) weights. Pickle files can run code when loaded: only enable this for models you trust.'),
  })
  .strict();

/** The shapes of supervised fine-tuning data a causal_lm run reads (TRL's names for them). */
export const SftFormat = z.enum(['prompt_completion', 'chat', 'text']);
export type SftFormat = z.infer<typeof SftFormat>;

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
    text_column: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Column holding the text the model reads (for an image or audio folder: its file column, `file`; for causal_lm with format text: the text learned).'),
    label_column: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Column holding the label the model learns to predict (a different column from the text). Not used by causal_lm.'),
    format: SftFormat.nullable()
      .default(null)
      .describe(
        'causal_lm only: the shape of the rows. prompt_completion learns to write completion_column after prompt_column (loss on the completion only); ' +
          'chat learns the assistant turns of messages_column with the model\'s chat template; text learns all of text_column (continued pre-training).',
      ),
    prompt_column: z.string().min(1).nullable().default(null).describe('causal_lm, prompt_completion: the column holding the prompt (Alpaca data: instruction).'),
    input_column: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('causal_lm, prompt_completion: an optional column added to the prompt on its own paragraph (Alpaca data: input).'),
    completion_column: z.string().min(1).nullable().default(null).describe('causal_lm, prompt_completion: the column holding the answer the model learns to write (Alpaca data: output).'),
    messages_column: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('causal_lm, chat: the column holding each conversation, a list of {role, content} with roles system, user and assistant.'),
    label_names: z
      .array(z.string().min(1).max(250))
      .min(2)
      .nullable()
      .default(null)
      .describe('Names for the positions of 0/1 label vectors such as [1, 0, 1], in order; without them the labels are called label_0, label_1, …'),
    max_length: z
      .number()
      .int()
      .min(8)
      .max(8192)
      .default(128)
      .describe('Longest input in tokens; longer texts are cut. Detection picks the value covering 95% of your texts.'),
    augment: z.boolean().default(true).describe('Images and audio: vary each training example (random crops, and mirror images) so the model generalises.'),
    max_seconds: z
      .number()
      .gt(0)
      .max(600)
      .nullable()
      .default(null)
      .describe("Audio: the longest stretch of a clip fed to the model, in seconds; longer clips are cut (empty: the model's own limit, else 10)."),
    preprocess: CodeReference.nullable()
      .default(null)
      .describe('Your own function (file.py:Name) applied to each row\'s text before tokenizing; what it returns is what the model reads. Needs allow_custom_code.'),
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
      .describe('auto uses every GPU found (or the CPU), cpu forces the CPU, a number uses that many GPUs (or, with accelerator cpu, that many CPU processes).'),
    accelerator: z
      .enum(['auto', 'gpu', 'cpu'])
      .default('auto')
      .describe('What each device is (Lightning\'s accelerator): auto picks GPUs when there are any. cpu with devices 2 trains in two CPU processes (DDP over gloo).'),
    strategy: z
      .enum(['auto', 'ddp', 'fsdp'])
      .default('auto')
      .describe('How more than one device shares the work (Lightning\'s strategy): auto is ddp on several devices. fsdp shards the weights too, for models too large for one GPU.'),
    num_nodes: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(1)
      .describe('Machines the run spans (a cluster job sets it). Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches.'),
    distributed_timeout_s: z
      .number()
      .int()
      .min(5)
      .max(86400)
      .default(600)
      .describe('Seconds a process waits for the others (to start, or at a synchronisation) before the run stops with an error naming the one that is missing.'),
    early_stopping_patience: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe('Stop when the validation score has not improved for this many epochs: macro-F1, R² for regression, loss for causal_lm (empty: never stop early).'),
    loss: LossSetting.default('cross_entropy').describe(
      'cross_entropy keeps the task\'s own loss (cross-entropy; per-label binary cross-entropy for multi_label; mean squared error for regression). ' +
        'weighted_cross_entropy and focal help with rare labels; or your own function file.py:Name (logits, labels, **args) -> scalar tensor, with allow_custom_code.',
    ),
    callbacks: z
      .array(CodeReference)
      .default([])
      .describe('Your own Lightning callbacks (file.py:ClassName with args as keyword arguments). Needs allow_custom_code.'),
    accumulate_grad_batches: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(1)
      .describe('Add up the gradients of this many batches before each optimizer step: the effect of a larger batch_size without its memory.'),
    gradient_checkpointing: z
      .boolean()
      .default(false)
      .describe('Recompute activations in the backward pass instead of keeping them: much less memory for about a third more time.'),
    finetuning: z
      .enum(['auto', 'full', 'lora', 'qlora'])
      .default('auto')
      .describe(
        'Which weights learn. full: all of them. lora: small adapter matrices beside frozen weights (the lora section). ' +
          'qlora: lora on 4-bit weights, CUDA only. auto: lora for causal_lm, full otherwise.',
      ),
    compile: z
      .boolean()
      .default(false)
      .describe('Compile the model with torch.compile before training: a slower start (tens of seconds) for faster steps, mostly on GPUs.'),
  })
  .strict();

/** What is scored each epoch besides the task's own metrics. */
export const EvaluationSection = z
  .object({
    metrics: z
      .array(MetricSetting)
      .default([])
      .describe('Extra metrics logged every epoch: {torchmetrics: ClassName, args} or your own function file.py:Name (needs allow_custom_code).'),
    sample_generations: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(3)
      .describe('causal_lm: how many validation prompts the model answers after each epoch, shown beside their reference answers.'),
    max_new_tokens: z.number().int().min(1).max(4096).default(64).describe('causal_lm: the longest answer written for those prompts, in tokens.'),
  })
  .strict();

const ExperimentName = z.string().min(1);
const EXPERIMENT_NAME_HELP = `Experiment the run belongs to (an MLflow experiment after sync), at most ${MLFLOW_MAX_EXPERIMENT_NAME_LENGTH} characters.`;
const ExperimentTags = z.record(z.string(), z.string());
const EXPERIMENT_TAGS_HELP =
  `Free-form key/value tags stored with the run and sent to MLflow as run tags. Names: at most ${MLFLOW_MAX_KEY_LENGTH} letters, digits, ` +
  `spaces and _ - . : / (not starting with / or ..); values: at most ${MLFLOW_MAX_TAG_VALUE_LENGTH} characters.`;

/** Every tag MLflow would refuse, one issue per problem, at the tag's own path. */
function checkTags(tags: Record<string, string>, context: z.RefinementCtx): void {
  for (const [key, value] of Object.entries(tags)) {
    for (const problem of tagKeyProblems(key)) context.addIssue({ code: 'custom', path: [key], message: problem });
    const valueProblem = tagValueProblem(value);
    if (valueProblem) context.addIssue({ code: 'custom', path: [key], message: valueProblem });
  }
}

function checkExperimentName(name: string, context: z.RefinementCtx): void {
  const problem = experimentNameProblem(name);
  if (problem) context.addIssue({ code: 'custom', message: problem });
}

/** The experiment a new run belongs to; what becomes an MLflow name, tag or value is held to MLflow's rules. */
export const ExperimentSection = z
  .object({
    name: ExperimentName.superRefine(checkExperimentName).default('default').describe(EXPERIMENT_NAME_HELP),
    tags: ExperimentTags.superRefine(checkTags).default({}).describe(EXPERIMENT_TAGS_HELP),
  })
  .strict();

/**
 * The experiment section as runs recorded before MLflow's rules were checked may hold it: such a run must
 * still load (its sync then fails for that run alone, with the reason on MLflow's copy).
 */
const RecordedExperimentSection = z
  .object({ name: ExperimentName.default('default').describe(EXPERIMENT_NAME_HELP), tags: ExperimentTags.default({}).describe(EXPERIMENT_TAGS_HELP) })
  .strict();

/** LoRA settings (peft's LoraConfig names), used when training.finetuning is lora or qlora. */
export const LoraSection = z
  .object({
    r: z.number().int().min(1).max(1024).default(8).describe('Rank of the adapter matrices: more learns more, with more weights.'),
    lora_alpha: z.number().gt(0).max(4096).default(16).describe('Scale of the adapter: its output is multiplied by lora_alpha / r.'),
    lora_dropout: z.number().min(0).lt(1).default(0.05).describe('Dropout on the adapter input during training.'),
    target_modules: z
      .array(z.string().min(1))
      .min(1)
      .nullable()
      .default(null)
      .describe("Names of the layers that get adapters (e.g. q_proj, v_proj); empty: peft's defaults for the model's architecture."),
  })
  .strict();

export const DeploymentSection = z
  .object({
    register_model: z.boolean().default(false).describe('Register the trained model as a new model version when the run completes.'),
    stage: z.enum(['none', 'staging', 'production']).default('staging').describe('Stage given to a registered model version.'),
  })
  .strict();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The data columns each task and format needs, as `{field, message}` for every one a config leaves empty. Takes a
 * config that may be invalid elsewhere (an absent key counts as empty; a wrong type is the schema's to report).
 */
export function columnProblems(config: { model?: { task?: unknown }; data: Record<string, unknown> }): { field: string; message: string }[] {
  const data = config.data;
  const task = config.model?.task ?? 'classification';
  const required = (field: string, why: string) => (data[field] === null || data[field] === undefined ? [{ field, message: `is required ${why}` }] : []);
  if (task !== 'causal_lm') {
    const fields = [...required('text_column', 'for this task'), ...required('label_column', 'for this task')];
    if (data.format !== null && data.format !== undefined) fields.push({ field: 'format', message: 'is only used by model.task causal_lm' });
    return fields;
  }
  if (data.format === null || data.format === undefined) return [{ field: 'format', message: 'is required for causal_lm: prompt_completion, chat or text' }];
  if (data.format === 'prompt_completion') return [...required('prompt_column', 'for format prompt_completion'), ...required('completion_column', 'for format prompt_completion')];
  if (data.format === 'chat') return required('messages_column', 'for format chat');
  return required('text_column', 'for format text');
}

/** The message for a config that reads its labels from its text column; the trainer says the same (config.py). */
export const SAME_COLUMN_MESSAGE = 'must be a different column from data.text_column: a model cannot learn to predict the text it reads';

const RunConfigSections = z
  .object({
    allow_custom_code: z
      .boolean()
      .default(false)
      .describe('Allow this config to run your own Python (loss, metrics, callbacks, preprocessing) in the trainer process. Only for code you trust.'),
    model: ModelSection.default({ name: DEFAULT_MODEL_ID, task: 'classification', allow_pickle: false }),
    data: DataSection,
    training: TrainingSection.default(() => TrainingSection.parse({})),
    evaluation: EvaluationSection.default(() => EvaluationSection.parse({})),
    lora: LoraSection.default(() => LoraSection.parse({})),
    experiment: ExperimentSection.default({ name: 'default', tags: {} }),
    deployment: DeploymentSection.default({ register_model: false, stage: 'staging' }),
  })
  .strict();

/** The whole training configuration: one YAML file with snake_case keys, validated by Node and by the trainer. */
export const RunConfig = RunConfigSections
  // Every row's label would be its own text: a run "with 218 classes" that can never generalise.
  .refine((config) => config.data.text_column === null || config.data.text_column !== config.data.label_column, {
    message: SAME_COLUMN_MESSAGE,
    path: ['data', 'label_column'],
  })
  // Which columns a config must name depends on the task (and, for causal_lm, on data.format). Checked also when
  // other fields are wrong, so a user sees every problem at once (the trainer does the same).
  .superRefine(
    (config, context) => {
      for (const problem of columnProblems(config)) context.addIssue({ code: 'custom', path: ['data', problem.field], message: problem.message });
    },
    { when: (payload) => isRecord(payload.value) && isRecord((payload.value as { data?: unknown }).data) },
  )
  // Custom code needs the user's consent, and a built-in loss or metric must fit the task: JSON Schema cannot say either.
  .superRefine((config, context) => {
    for (const problem of extensionProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
export type RunConfig = z.infer<typeof RunConfig>;

/** The config a recorded run or model version holds: RunConfig without the checks added after it was written. */
export const RecordedRunConfig = RunConfigSections.extend({ experiment: RecordedExperimentSection.default({ name: 'default', tags: {} }) });
export type RunConfigInput = z.input<typeof RunConfig>;
