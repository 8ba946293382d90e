/** Configs for fine-tuning a causal language model on data it learns to write (task causal_lm). */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RunConfig, type ModelTask } from '../../../schemas/config.ts';
import type { Dataset, DatasetWarning, SftDetection } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { DevicesEvent, TokenLengthsEvent } from '../../../schemas/events.ts';
import { MLFLOW_MAX_EXPERIMENT_NAME_LENGTH } from '../../../schemas/mlflow.ts';
import type { CachedModel, ModelInfo } from '../../../schemas/model.ts';
import { suggestHardware, type ConfigSuggestion } from './build.ts';

/** Token lengths of fine-tuning rows as training encodes them (`token-lengths --sft`), with every measured length. */
export type MeasuredSftLengths = Pick<TokenLengthsEvent, 'count' | 'max' | 'rows' | 'lengths'>;

// A suggestion covers the longest row up to here: attention grows with the square of the length, and LoRA on a
// few thousand tokens already needs a large GPU; a config may still ask for up to the model's own limit.
const SFT_CEILING = 2048;
// Peft's and most LoRA recipes' rate: adapters start at zero and need larger steps than full fine-tuning.
const LORA_LEARNING_RATE = 2e-4;
// Causal LMs are large beside the classifiers: smaller batches, with accumulate_grad_batches to make up for it.
const SFT_BATCH_CAP = 8;
const CHARACTERS_PER_TOKEN = 4;

/** True for a model whose head writes text: config.json's architecture ends in ForCausalLM or LMHeadModel. */
export function isCausalLm(info: ModelInfo): boolean {
  const flagged = (info as { causalLm?: boolean }).causalLm;
  return flagged ?? /(?:ForCausalLM|LMHeadModel)$/.test(info.architecture ?? '');
}

/**
 * Refuses a model that cannot write text for task causal_lm. (A causal LM for a classification task is allowed:
 * it trains as a decoder with a sequence-classification head.)
 * @throws AirlockError MODEL_UNSUPPORTED naming the cached causal LMs that would fit.
 */
export function checkCausalLm(task: ModelTask, dataset: Dataset, model: { folder: string; info: ModelInfo }, cached: CachedModel[] = []): void {
  if (task !== 'causal_lm' || isCausalLm(model.info)) return;
  const fitting = cached.filter((candidate) => isCausalLm(candidate.info)).map((candidate) => candidate.id);
  throw new AirlockError('MODEL_UNSUPPORTED', `The model ${basename(model.folder)} (${model.info.architecture ?? 'unknown architecture'}) is not a causal language model, so it cannot learn to write the ${dataset.detection.sft?.format === 'chat' ? 'answers' : 'text'} of dataset "${dataset.name}".`, {
    hint: fitting.length
      ? `Pick a causal language model: ${fitting.join(', ')}.`
      : 'Import a causal language model (GPT-2, Llama, Qwen, Mistral, Phi or Gemma; an AutoModelForCausalLM folder with safetensors) with `airlock models import <folder>`.',
    field: 'model.name',
  });
}

/** The first cached causal LM, the model a causal_lm config suggests when none is named. */
export function defaultCausalLm(models: CachedModel[]): CachedModel | undefined {
  return models.find((model) => isCausalLm(model.info));
}

/**
 * max_length covering the longest row (rounded up to a multiple of 8) up to the model's context and Airlock's
 * ceiling, with the SFT_ROWS_TOO_LONG warning when rows are longer and will be cut.
 */
export function suggestSftMaxLength(dataset: Dataset, model: CachedModel, measured: MeasuredSftLengths | null): { value: number; reason: string; warning: DatasetWarning | null } {
  const modelLimit = model.info.maxInputTokens;
  const limit = Math.min(modelLimit ?? SFT_CEILING, SFT_CEILING);
  const longest = measured?.max ?? estimatedLongest(dataset);
  const value = Math.max(16, Math.min(limit, Math.ceil(longest / 8) * 8));
  const basis = measured ? `${measured.count} rows measured with the model's tokenizer, as training encodes them` : 'estimated from the characters of the longest row';
  if (longest <= value) return { value, reason: `${value}: covers the longest row (${longest} tokens; ${basis}).`, warning: null };
  const who = modelLimit !== null && modelLimit <= SFT_CEILING ? `the most the model ${model.id} can read` : 'Airlock\'s suggested ceiling';
  const reason = `${value}: ${who}; the longest row has ${longest} tokens (${basis}).`;
  if (!measured) return { value, reason, warning: { code: 'SFT_ROWS_TOO_LONG', message: `Some rows are probably longer than ${value} tokens and will be cut (the longest is about ${longest} tokens, estimated from its characters).` } };
  const cut = measured.lengths!.filter((length) => length > value).length;
  const kept = measured.rows ?? measured.count;
  const rows = measured.count < kept ? `about ${Math.round((cut / measured.count) * kept)} of ${kept} rows (${cut} of ${measured.count} measured)` : `${cut} of ${kept} rows`;
  const raise = modelLimit !== null && modelLimit > value ? ` The model reads up to ${modelLimit}: raise data.max_length to keep more, at a cost in memory and time.` : '';
  return { value, reason, warning: { code: 'SFT_ROWS_TOO_LONG', message: `${rows} are longer than data.max_length ${value} tokens and will be cut at the end, answers included: a row whose answer starts past ${value} tokens teaches nothing (the longest has ${longest}).${raise || ' Shorten the longest prompts to keep their answers.'}` } };
}

/** Tokens of the longest row, guessed from the columns' longest values when the tokenizer could not be run. */
function estimatedLongest(dataset: Dataset): number {
  const longest = (name: string | null) => dataset.columns.find((column) => column.name === name)?.textLength?.max ?? 0;
  const sft = dataset.detection.sft!;
  const characters = [sft.promptColumn, sft.inputColumn, sft.completionColumn, sft.messagesColumn, sft.textColumn].reduce((sum, name) => sum + longest(name), 0);
  return Math.ceil(characters / CHARACTERS_PER_TOKEN) + 8;
}

/** A complete causal_lm config for fine-tuning `model` on the shape detection found, with LoRA by default. */
export function suggestSftConfig(dataset: Dataset, model: CachedModel, devices: DevicesEvent | null, measured: MeasuredSftLengths | null): ConfigSuggestion & { warnings: DatasetWarning[] } {
  const sft = dataset.detection.sft;
  if (!sft) throw new AirlockError('SFT_COLUMN_MISSING', `Dataset ${dataset.name} holds no fine-tuning rows (prompt/completion, chat or text).`, { hint: 'Import the file again with --format prompt_completion, chat or text.' });
  const maxLength = suggestSftMaxLength(dataset, model, measured);
  const hardware = suggestHardware(devices);
  const batchSize = Math.min(hardware.batchSize, SFT_BATCH_CAP);
  const config = RunConfig.parse({
    model: { name: model.id, task: 'causal_lm' },
    data: { train_path: dataset.id, ...columnsOf(sft), max_length: maxLength.value },
    training: { batch_size: batchSize, precision: hardware.precision, learning_rate: LORA_LEARNING_RATE, finetuning: 'auto' },
    experiment: { name: [...dataset.name].slice(0, MLFLOW_MAX_EXPERIMENT_NAME_LENGTH).join('') },
  });
  return {
    config,
    reasons: {
      'data.format': `${sft.format}: ${formatReason(sft)}${sft.format === 'chat' && !hasChatTemplate(model.path) ? ` The model has no chat template: Airlock writes the turns with its default (ChatML markers, <|im_start|>role ... <|im_end|>), in training and predict alike.` : ''}`,
      'data.max_length': maxLength.reason,
      'training.finetuning': 'auto: LoRA adapters on the frozen causal language model (set full to train every weight).',
      'training.learning_rate': `${LORA_LEARNING_RATE}: the usual rate for LoRA adapters.`,
      'training.batch_size': `${batchSize}: ${hardware.reason.replace(/, batch \d+\.$/, '.')} Causal language models need smaller batches.`,
      'training.precision': hardware.reason,
    },
    warnings: maxLength.warning ? [maxLength.warning] : [],
  };
}

function columnsOf(sft: SftDetection): Record<string, string | null> {
  return {
    format: sft.format,
    prompt_column: sft.promptColumn,
    input_column: sft.inputColumn,
    completion_column: sft.completionColumn,
    messages_column: sft.messagesColumn,
    text_column: sft.textColumn,
    label_column: null,
  };
}

/** Whether the model folder brings its own chat template (tokenizer_config.json's chat_template, or chat_template.jinja). */
export function hasChatTemplate(folder: string): boolean {
  if (existsSync(join(folder, 'chat_template.jinja'))) return true;
  try {
    return Boolean((JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as { chat_template?: unknown }).chat_template);
  } catch {
    return false;
  }
}

function formatReason(sft: SftDetection): string {
  if (sft.format === 'prompt_completion') return `learns to write "${sft.completionColumn}" after "${sft.promptColumn}"${sft.inputColumn ? ` (with "${sft.inputColumn}")` : ''}.`;
  if (sft.format === 'chat') return `learns the assistant turns of "${sft.messagesColumn}" with the model's chat template.`;
  return `learns all of "${sft.textColumn}" (continued pre-training).`;
}
