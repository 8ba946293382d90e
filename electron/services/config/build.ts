import { AirlockError } from '../../../schemas/errors.ts';
import { RunConfig, DEFAULT_MODEL_ID } from '../../../schemas/config.ts';
import { MLFLOW_MAX_EXPERIMENT_NAME_LENGTH } from '../../../schemas/mlflow.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { DevicesEvent, TokenLengthsEvent } from '../../../schemas/events.ts';
import type { CachedModel } from '../../../schemas/model.ts';

/** A default chosen from detection, with the reason shown to the user next to the field. */
export interface ConfigSuggestion {
  config: RunConfig;
  reasons: Record<string, string>;
}

// Without a measurement: WordPiece/BPE tokenizers average about four characters of English per token.
const CHARACTERS_PER_TOKEN = 4;
const SPECIAL_TOKENS = 2;

/** Token lengths measured with the model's tokenizer (`token-lengths` in the trainer). */
export type MeasuredLengths = Pick<TokenLengthsEvent, 'p95' | 'max' | 'count'>;

// Longer inputs cost memory and time (attention grows with the square of the length), so suggestions stop here even
// where a model reads more; a config may still ask for up to the model's own limit.
const SUGGESTED_CEILING = 512;

/** max_length covering 95% of the texts, rounded up to a multiple of 8, never past what the model can read. */
export function suggestMaxLength(dataset: Dataset, model: CachedModel | undefined, measured: MeasuredLengths | null): { value: number; reason: string } {
  const column = dataset.columns.find((candidate) => candidate.name === dataset.detection.textColumn);
  const p95Characters = column?.textLength?.p95 ?? 512;
  const p95 = measured?.p95 ?? Math.ceil(p95Characters / CHARACTERS_PER_TOKEN) + SPECIAL_TOKENS;
  const modelLimit = model?.info.maxInputTokens ?? null;
  const limit = Math.min(modelLimit ?? SUGGESTED_CEILING, SUGGESTED_CEILING);
  const value = Math.min(limit, Math.max(16, Math.ceil(p95 / 8) * 8));
  const basis = measured ? `${p95} tokens by the model's tokenizer, ${measured.count} texts measured` : `about ${Math.round(p95Characters)} characters, estimated`;
  if (p95 <= limit) return { value, reason: `${value}: covers 95% of your texts (95th percentile ${basis}).` };
  const cut = `more than 5% of your texts are longer (95th percentile ${basis}) and will be cut.`;
  if (modelLimit !== null && modelLimit <= SUGGESTED_CEILING) return { value, reason: `${value}: the most this model can read; ${cut}` };
  const raise = modelLimit !== null ? ` The model reads up to ${modelLimit}: raise data.max_length to keep more, at a cost in memory and time.` : '';
  return { value, reason: `${value}: Airlock's suggested ceiling; ${cut}${raise}` };
}

/** Batch size and precision that fit the devices found. */
export function suggestHardware(devices: DevicesEvent | null): { batchSize: number; precision: RunConfig['training']['precision']; reason: string } {
  const gpus = devices?.devices.filter((device) => device.kind === 'cuda') ?? [];
  if (gpus.length === 0) {
    const why = devices?.cpu_only_reason ? ` (${devices.cpu_only_reason})` : '';
    return { batchSize: 16, precision: '32-true', reason: `No GPU found${why}: full precision and a small batch for the CPU.` };
  }
  const memoryGiB = Math.min(...gpus.map((gpu) => (gpu.memory_bytes ?? 0) / 2 ** 30));
  const batchSize = memoryGiB >= 40 ? 64 : memoryGiB >= 12 ? 32 : 16;
  const precision = gpus.every((gpu) => gpu.bf16) ? 'bf16-mixed' : '16-mixed';
  return { batchSize, precision, reason: `${gpus.length} GPU(s) with ${Math.round(memoryGiB)} GiB: ${precision}, batch ${batchSize}.` };
}

/** A complete config for fine-tuning `model` on `dataset`, from detection and the devices found. */
export function suggestConfig(dataset: Dataset, model: CachedModel | undefined, devices: DevicesEvent | null, measured: MeasuredLengths | null = null): ConfigSuggestion {
  const { textColumn, labelColumn, task } = dataset.detection;
  if (!textColumn) throw new AirlockError('DATASET_NO_TEXT_COLUMN', `No text column was found in ${dataset.name}.`);
  if (!labelColumn) throw new AirlockError('DATASET_NO_LABEL_COLUMN', `No label column was found in ${dataset.name}.`);
  const maxLength = suggestMaxLength(dataset, model, measured);
  const hardware = suggestHardware(devices);
  const config = RunConfig.parse({
    model: { name: model?.id ?? DEFAULT_MODEL_ID, task },
    data: { train_path: dataset.id, text_column: textColumn, label_column: labelColumn, max_length: maxLength.value },
    training: { batch_size: hardware.batchSize, precision: hardware.precision },
    // A dataset may be named longer than MLflow takes an experiment name: suggest a name it accepts.
    experiment: { name: [...dataset.name].slice(0, MLFLOW_MAX_EXPERIMENT_NAME_LENGTH).join('') },
  });
  return {
    config,
    reasons: {
      'data.text_column': dataset.media ? `${textColumn}: each row's ${dataset.media.kind === 'image' ? 'picture' : 'clip'}, stored with the dataset.` : `${textColumn}: the column with the longest, most varied text.`,
      'data.label_column': `${labelColumn}: ${dataset.detection.labels.length} labels.`,
      ...(dataset.media ? {} : { 'data.max_length': maxLength.reason }),
      ...(dataset.media?.splits.includes('validation') ? { 'data.val_path': 'empty: the dataset\'s validation/ folder is the validation data (val_split is not used).' } : {}),
      ...(dataset.media?.splits.includes('test') ? { 'data.test_path': 'empty: the dataset\'s test/ folder is scored after training.' } : {}),
      'training.batch_size': hardware.reason,
      'training.precision': hardware.reason,
    },
  };
}
