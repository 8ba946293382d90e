/** The settings form, read from the RunConfig zod schema: one field per config key, with its kind, limits and description. */
import { z } from 'zod';
import { NAME_LIMITS, RunConfig, SftFormat } from '../../../schemas/config.ts';
import type { SftDetection } from '../../../schemas/dataset.ts';
import { fieldPath } from '../../../schemas/errors.ts';

export type FieldKind = 'number' | 'text' | 'choice' | 'boolean' | 'devices' | 'tags' | 'list';

export interface ConfigField {
  /** `section.field`, as in the YAML and in validation messages. */
  path: string;
  section: string;
  key: string;
  label: string;
  kind: FieldKind;
  description: string;
  nullable: boolean;
  integer: boolean;
  min: number | null;
  max: number | null;
  /** Longest text allowed, for text fields. */
  maxLength: number | null;
  choices: readonly string[];
}

/** Fields shown up front; every other field is folded under "Advanced". */
export const BASIC_FIELDS = new Set([
  'model.task',
  'data.text_column',
  'data.label_column',
  'data.max_length',
  'training.max_epochs',
  'training.learning_rate',
  'training.batch_size',
  'training.precision',
  'experiment.name',
]);

/** Fields the earlier steps set (dataset, model), not edited in the settings form. */
export const STEP_FIELDS = new Set(['data.train_path', 'model.name']);

/** Fields set in the YAML (loss, extra metrics, callbacks, preprocessing): shown by CustomCodePanel, not as inputs. */
export const CODE_SETTING_FIELDS = new Set(['training.loss', 'training.callbacks', 'evaluation.metrics', 'data.preprocess']);

function unwrap(schema: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  let inner = schema;
  let nullable = false;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodNullable || inner instanceof z.ZodOptional) {
    if (inner instanceof z.ZodNullable) nullable = true;
    inner = (inner as unknown as { unwrap(): z.ZodType }).unwrap();
  }
  return { inner, nullable };
}

/** Labels that would be ambiguous from the key alone. */
const LABELS: Record<string, string> = {
  'model.name': 'Model',
  'model.task': 'Task',
  'data.train_path': 'Training data',
  'experiment.name': 'Experiment name',
  'experiment.tags': 'Tags',
  'deployment.stage': 'Registry stage',
  'training.devices': 'Devices',
  'data.format': 'Data format',
  'data.input_column': 'Input column (optional)',
  'data.messages_column': 'Conversation column',
  'training.finetuning': 'Fine-tuning method',
  'training.accumulate_grad_batches': 'Gradient accumulation (batches)',
  'training.num_nodes': 'Machines (nodes)',
  'training.distributed_timeout_s': 'Wait for other processes (s)',
  'evaluation.sample_generations': 'Sample generations',
  'evaluation.max_new_tokens': 'Longest sample answer (tokens)',
  'lora.r': 'LoRA rank (r)',
  'lora.lora_alpha': 'LoRA alpha',
  'lora.lora_dropout': 'LoRA dropout',
  'lora.target_modules': 'LoRA target layers',
};

function labelOf(path: string, key: string): string {
  if (LABELS[path]) return LABELS[path];
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A schema bound users should see: `.int()` alone bounds a number by ±2^53, which is no limit to a person. */
function bound(value: number | null): number | null {
  return value !== null && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : null;
}

function describeField(section: string, key: string, schema: z.ZodType): ConfigField {
  const { inner, nullable } = unwrap(schema);
  const field: ConfigField = {
    path: `${section}.${key}`,
    section,
    key,
    label: labelOf(`${section}.${key}`, key),
    kind: 'text',
    description: schema.description ?? inner.description ?? '',
    nullable,
    integer: false,
    min: null,
    max: null,
    maxLength: null,
    choices: [],
  };
  if (inner instanceof z.ZodNumber) {
    field.kind = 'number';
    field.integer = Boolean(inner.isInt);
    field.min = bound(inner.minValue);
    field.max = bound(inner.maxValue);
  } else if (inner instanceof z.ZodString) {
    field.maxLength = inner.maxLength;
  } else if (inner instanceof z.ZodEnum) {
    field.kind = 'choice';
    field.choices = inner.options as string[];
  } else if (inner instanceof z.ZodBoolean) {
    field.kind = 'boolean';
  } else if (inner instanceof z.ZodUnion) {
    field.kind = 'devices';
  } else if (inner instanceof z.ZodRecord) {
    field.kind = 'tags';
  } else if (inner instanceof z.ZodArray && inner.element instanceof z.ZodString) {
    field.kind = 'list';
  }
  return field;
}

/** Every field of the config, section by section, in schema order. */
export const CONFIG_FIELDS: ConfigField[] = Object.entries(RunConfig.shape).flatMap(([section, sectionSchema]) => {
  const { inner } = unwrap(sectionSchema as z.ZodType);
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, schema]) => describeField(section, key, schema));
});

/** The fields whose value is one of the dataset's columns. */
export const COLUMN_FIELDS = new Set(['data.text_column', 'data.label_column', 'data.prompt_column', 'data.input_column', 'data.completion_column', 'data.messages_column']);

/** What a field accepts, in words ("a whole number from 8 to 8192", "a whole number, 1 or more"). */
export function allowedValues(field: ConfigField): string {
  const empty = field.nullable ? ', or empty' : '';
  switch (field.kind) {
    case 'number': {
      const what = field.integer ? 'a whole number' : 'a number';
      const range = field.min !== null && field.max !== null ? ` from ${field.min} to ${field.max}` : field.min !== null ? `, ${field.min} or more` : field.max !== null ? `, ${field.max} or less` : '';
      return `${what}${range}${empty}`;
    }
    case 'choice':
      return `one of ${field.choices.join(', ')}${empty}`;
    case 'boolean':
      return 'on or off';
    case 'devices':
      return 'auto, cpu, or a number of GPUs (1 or more)';
    case 'list':
      return `names separated by commas${empty}`;
    case 'tags':
      return `one key=value pair per line (keys up to ${NAME_LIMITS.tagKey} characters, values up to ${NAME_LIMITS.tagValue})`;
    default:
      // "text" alone reads as "the column named text" under a column picker.
      if (COLUMN_FIELDS.has(field.path)) return `one of the dataset's columns${field.path === 'data.label_column' ? ', not the text column' : ''}`;
      return `any text${field.maxLength !== null ? ` up to ${field.maxLength} characters` : ''}${empty}`;
  }
}

/** The data columns each causal_lm format reads (the other column fields are hidden). */
const FORMAT_COLUMNS: Record<SftFormat, readonly string[]> = {
  prompt_completion: ['data.prompt_column', 'data.input_column', 'data.completion_column'],
  chat: ['data.messages_column'],
  text: ['data.text_column'],
};
const SFT_COLUMNS = new Set(Object.values(FORMAT_COLUMNS).flat());
/** Fields only a causal_lm run reads. */
const CAUSAL_LM_ONLY = new Set([
  'data.format',
  'data.prompt_column',
  'data.input_column',
  'data.completion_column',
  'data.messages_column',
  'evaluation.sample_generations',
  'evaluation.max_new_tokens',
]);
/** Fields a causal_lm run does not read: the label, its names, and the image/audio settings. */
const NOT_CAUSAL_LM = new Set(['data.label_column', 'data.label_names', 'data.augment', 'data.max_seconds']);

/** The fine-tuning method a draft resolves to (auto: lora for causal_lm, full otherwise), as the trainer decides it. */
export function finetuningOf(draft: Record<string, unknown>): 'full' | 'lora' | 'qlora' {
  const method = getField(draft, 'training.finetuning');
  if (method === 'full' || method === 'lora' || method === 'qlora') return method;
  return getField(draft, 'model.task') === 'causal_lm' ? 'lora' : 'full';
}

/**
 * Whether the form shows a field for this draft: a causal_lm run shows its data format and the columns that format
 * reads, not the label; other tasks do not show the causal_lm fields; LoRA settings only when LoRA is used.
 */
export function fieldApplies(path: string, draft: Record<string, unknown>): boolean {
  if (path.startsWith('lora.')) return finetuningOf(draft) !== 'full';
  if (getField(draft, 'model.task') !== 'causal_lm') return !CAUSAL_LM_ONLY.has(path);
  if (NOT_CAUSAL_LM.has(path)) return false;
  if (path === 'data.text_column' || SFT_COLUMNS.has(path)) {
    const format = SftFormat.safeParse(getField(draft, 'data.format'));
    return format.success && FORMAT_COLUMNS[format.data].includes(path);
  }
  return true;
}

/** Fields shown up front for a causal_lm run; the others are folded under "Advanced". */
const CAUSAL_LM_BASIC_FIELDS = new Set([
  'model.task',
  'data.format',
  ...SFT_COLUMNS,
  'data.max_length',
  'training.finetuning',
  'training.max_epochs',
  'training.learning_rate',
  'training.batch_size',
  'evaluation.sample_generations',
  'experiment.name',
]);

/** Whether a field is shown up front (else under "Advanced") for this draft's task. */
export function isBasicField(path: string, draft: Record<string, unknown>): boolean {
  return getField(draft, 'model.task') === 'causal_lm' ? CAUSAL_LM_BASIC_FIELDS.has(path) : BASIC_FIELDS.has(path);
}

/** The fine-tuning data shape found in a dataset, as the draft's task, format and columns. */
export function withSftDetection(draft: Record<string, unknown>, sft: SftDetection): Record<string, unknown> {
  const values: Record<string, unknown> = {
    'model.task': 'causal_lm',
    'data.format': sft.format,
    'data.prompt_column': sft.format === 'prompt_completion' ? sft.promptColumn : null,
    'data.input_column': sft.format === 'prompt_completion' ? sft.inputColumn : null,
    'data.completion_column': sft.format === 'prompt_completion' ? sft.completionColumn : null,
    'data.messages_column': sft.format === 'chat' ? sft.messagesColumn : null,
    'data.text_column': sft.format === 'text' ? sft.textColumn : null,
    'data.label_column': null,
  };
  return Object.entries(values).reduce((next, [path, value]) => setField(next, path, value), draft);
}

/** A nested config value at `section.field`. */
export function getField(config: Record<string, unknown>, path: string): unknown {
  const [section, key] = path.split('.');
  if (key === undefined) return config[section]; // a top-level field (allow_custom_code)
  return (config[section] as Record<string, unknown> | undefined)?.[key];
}

/** A copy of the config with `section.field` set. */
export function setField(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [section, key] = path.split('.');
  if (key === undefined) return { ...config, [section]: value };
  return { ...config, [section]: { ...((config[section] as Record<string, unknown> | undefined) ?? {}), [key]: value } };
}

/** Turns what the user typed into the value the schema expects; invalid text stays text so validation can name it. */
export function parseInput(field: ConfigField, text: string): unknown {
  const trimmed = text.trim();
  if (field.kind === 'number') {
    if (trimmed === '') return field.nullable ? null : '';
    const value = Number(trimmed);
    return Number.isFinite(value) ? value : text;
  }
  if (field.kind === 'devices') {
    if (trimmed === 'auto' || trimmed === 'cpu') return trimmed;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : text;
  }
  if (field.kind === 'list') {
    const items = text.split(',').map((item) => item.trim()).filter(Boolean);
    return items.length === 0 && field.nullable ? null : items;
  }
  if (field.kind === 'tags') {
    const tags: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const at = line.indexOf('=');
      if (line.trim() === '') continue;
      if (at <= 0) return text; // reported by validation as not a key/value mapping
      tags[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return tags;
  }
  if ((field.kind === 'text' || field.kind === 'choice') && trimmed === '' && field.nullable) return null;
  return text;
}

/** The text a field's input shows for a value. */
export function formatInput(field: ConfigField, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (field.kind === 'tags' && typeof value === 'object') {
    return Object.entries(value as Record<string, string>).map(([key, tag]) => `${key}=${tag}`).join('\n');
  }
  if (field.kind === 'list' && Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Validates a draft config: one message per field path, naming the field and saying what it allows. */
export function validateConfig(draft: unknown): { config: RunConfig | null; errors: Record<string, string> } {
  const result = RunConfig.safeParse(draft);
  if (result.success) return { config: result.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.slice(0, 2).join('.') || '(config)';
    const field = CONFIG_FIELDS.find((candidate) => candidate.path === path);
    if (issue.code === 'custom') {
      // MLflow's rules (tag names, lengths): each message names its tag, and every bad tag is listed.
      // "Label column (data.label_column) must …" reads as a sentence; MLflow's messages follow a colon
      const joiner = /^(must|is) /.test(issue.message) ? ' ' : ': ';
      const line = `${field?.label ?? path} (${fieldPath(issue.path)})${joiner}${issue.message}.`;
      errors[path] = errors[path] ? `${errors[path]}\n${line}` : line;
      continue;
    }
    if (errors[path]) continue;
    if (issue.code === 'unrecognized_keys') {
      errors[path] = `${path}: unknown field(s) ${issue.keys.join(', ')}.`;
    } else if (field && (issue.code === 'too_small' || issue.code === 'too_big') && typeof issue.inclusive === 'boolean') {
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const relation = issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
      const unit = issue.origin === 'string' ? (issue.code === 'too_small' && Number(limit) === 1 ? null : ' characters') : '';
      errors[path] = unit === null ? `${field.label} (${path}) must not be empty.` : `${field.label} (${path}) must be ${relation} ${String(limit)}${unit}.`;
    } else if (field) {
      errors[path] = `${field.label} (${path}) must be ${allowedValues(field)}.`;
    } else {
      errors[path] = `${path}: ${issue.message}.`;
    }
  }
  return { config: null, errors };
}
