import type { ModelInfo } from '../../../schemas/model.ts';
import { formatBytes, table } from '../output.ts';
import { userPath, userPathOrId } from '../paths.ts';
import { call, positional, stringOption, type Command } from './types.ts';

function formatParameters(count: number | null): string {
  if (count === null) return 'unknown';
  return count >= 1e9 ? `${(count / 1e9).toFixed(1)}B` : count >= 1e6 ? `${(count / 1e6).toFixed(1)}M` : `${(count / 1e3).toFixed(0)}K`;
}

function describeLimit(info: ModelInfo): string {
  if (info.maxInputTokens === null) return 'unknown';
  const listed = info.maxPositions !== null && info.maxPositions !== info.maxInputTokens ? ` (config.json lists ${info.maxPositions} positions)` : '';
  return `${info.maxInputTokens} tokens${listed}; data.max_length may not be longer`;
}

function describePadding(info: Pick<ModelInfo, 'padding' | 'padToken'>): string {
  if (info.padding === 'pad_token') return `its own padding token ${info.padToken}`;
  if (info.padding === 'eos_token') return `no padding token; training pads with the end-of-text token ${info.padToken} (pad = EOS)`;
  if (info.padding === 'none') return 'neither a padding nor an end-of-text token: it cannot be trained in batches';
  return 'no tokenizer';
}

/** Text generators: the task they train with and whether chat data can use their own template. */
function describeGeneration(info: ModelInfo): string[] {
  if (!info.causalLm) return [];
  return [
    '  Causal LM: yes; it generates text (model.task causal_lm, LoRA by default)',
    `  Chat template: ${info.chatTemplate ? 'yes; chat data is formatted with it' : "no; chat data is formatted with ChatML's markers (<|im_start|>role … <|im_end|>)"}`,
  ];
}

function describeInfo(info: ModelInfo): string {
  const input =
    info.modality === 'image'
      ? [`  Input: pictures resized to ${info.imageSize ?? 'the size its processor sets'}`]
      : info.modality === 'audio'
        ? [`  Input: sound at ${info.samplingRate ? `${info.samplingRate} Hz` : 'the rate its feature extractor sets'} (clips are resampled to it)`]
        : [`  Longest input: ${describeLimit(info)}`, `  Padding: ${describePadding(info)}`, ...describeGeneration(info)];
  return [
    `  Architecture: ${info.architecture ?? 'unknown'} (${info.modelType ?? 'unknown type'})`,
    `  Modality: ${info.modality}`,
    `  Parameters: ${formatParameters(info.parameters)}  (${info.weightsFormat}, ${formatBytes(info.weightsBytes)})`,
    `  Tokenizer: ${info.hasTokenizer ? 'yes' : 'no'}   Processor: ${info.hasProcessor ? 'yes' : 'no'}`,
    ...input,
    info.causalLm ? null : `  Classification head: ${info.needsClassificationHead ? 'none; a new one is added for fine-tuning' : `yes${info.labels.length ? ` (${info.labels.join(', ')})` : ''}`}`,
  ]
    .filter((line) => line !== null)
    .join('\n');
}

export const modelsCommand: Command = {
  usage: 'models [import <folder> [--name N] [--allow-pickle] | inspect <id|folder>] [--json]',
  summary: 'List the offline model cache, import a Hugging Face model folder, or inspect a model.',
  options: { name: { type: 'string' }, 'allow-pickle': { type: 'boolean' } },
  async run(context) {
    const [action] = context.positionals;
    if (action === 'import') {
      const path = userPath(positional(context, 1, 'the model folder', this.usage));
      const { model } = await call(context, 'models.import', { path, name: stringOption(context, 'name'), allowPickle: Boolean(context.values['allow-pickle']) });
      context.output.result({ model }, () => `Imported model ${model.id}\n${describeInfo(model.info)}`);
      return;
    }
    if (action === 'inspect') {
      const { model } = await call(context, 'models.inspect', { target: userPathOrId(positional(context, 1, 'a model id or folder', this.usage)) });
      context.output.result({ model }, () => `Model ${model.id ?? model.path}\n${describeInfo(model.info)}`);
      return;
    }
    const { models } = await call(context, 'models.list', {});
    context.output.result({ models }, () =>
      models.length === 0
        ? 'The model cache is empty. Import a model folder with `airlock models import <folder>`.'
        : table(
            ['ID', 'ARCHITECTURE', 'MODALITY', 'PARAMETERS', 'HEAD'],
            models.map((model) => [
              model.id,
              model.info.architecture ?? '?',
              model.info.modality,
              formatParameters(model.info.parameters),
              model.info.causalLm ? 'causal LM' : model.info.needsClassificationHead ? 'added at training' : 'classification',
            ]),
          ),
    );
  },
};
