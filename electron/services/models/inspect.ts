import { existsSync, openSync, readSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ModelInfo } from '../../../schemas/model.ts';
import { inputLimit, paddingOf } from './limits.ts';

const VISION_TYPES = new Set(['vit', 'deit', 'beit', 'convnext', 'convnextv2', 'resnet', 'swin', 'swinv2', 'dinov2', 'mobilevit', 'efficientnet', 'regnet', 'clip_vision_model', 'siglip_vision_model', 'levit', 'poolformer', 'segformer']);
const AUDIO_TYPES = new Set(['wav2vec2', 'hubert', 'whisper', 'wavlm', 'audio-spectrogram-transformer', 'data2vec-audio', 'unispeech', 'unispeech-sat', 'sew', 'sew-d', 'seamless_m4t', 'clap_audio_model']);
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'spiece.model', 'sentencepiece.bpe.model', 'vocab.json', 'tokenizer.model'];
const PROCESSOR_FILES = ['preprocessor_config.json', 'processor_config.json', 'feature_extractor_config.json'];

/** The weight files of a model folder, safetensors preferred. */
export function weightFiles(folder: string): { format: 'safetensors' | 'pickle'; files: string[] } | null {
  const names = readdirSync(folder);
  const safetensors = names.filter((name) => name.endsWith('.safetensors'));
  if (safetensors.length > 0) return { format: 'safetensors', files: safetensors };
  const pickle = names.filter((name) => /\.(bin|pt|pth)$/.test(name) && !name.startsWith('training_args'));
  return pickle.length > 0 ? { format: 'pickle', files: pickle } : null;
}

/** Parameter count from a safetensors file's header, without reading the tensors. */
export function safetensorsParameterCount(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength <= 0 || headerLength > 100 * 1024 * 1024) throw new Error('implausible header length');
    const header = Buffer.alloc(headerLength);
    readSync(fd, header, 0, headerLength, 8);
    const tensors = JSON.parse(header.toString('utf8')) as Record<string, { shape?: number[] }>;
    let total = 0;
    for (const [name, tensor] of Object.entries(tensors)) {
      if (name === '__metadata__' || !tensor.shape) continue;
      total += tensor.shape.reduce((product, size) => product * size, 1);
    }
    return total;
  } catch (error) {
    throw new AirlockError('MODEL_CONFIG_INVALID', `The weights file ${path} is not a valid safetensors file.`, {
      hint: 'The copy may be damaged: copy the model folder again from its source.',
    });
  } finally {
    closeSync(fd);
  }
}

function readConfig(folder: string): Record<string, unknown> {
  const configPath = join(folder, 'config.json');
  if (!existsSync(configPath)) {
    throw new AirlockError('MODEL_CONFIG_MISSING', `${folder} has no config.json, so it is not a Hugging Face model folder.`, {
      hint: 'Choose the folder that contains config.json and the weights (for a Hugging Face cache, the snapshots/<hash> folder).',
    });
  }
  try {
    const parsed = JSON.parse(readFileSync(configPath, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new AirlockError('MODEL_CONFIG_INVALID', `config.json in ${folder} is not valid JSON.`, {
      hint: 'The copy may be damaged: copy the model folder again from its source.',
    });
  }
}

function modalityOf(modelType: string | null, architecture: string | null, hasTokenizer: boolean): ModelInfo['modality'] {
  if (modelType && VISION_TYPES.has(modelType)) return 'image';
  if (modelType && AUDIO_TYPES.has(modelType)) return 'audio';
  if (architecture && /ImageClassification|ForVision|Vision/.test(architecture)) return 'image';
  if (architecture && /AudioClassification|CTC|SpeechSeq2Seq/.test(architecture)) return 'audio';
  return hasTokenizer ? 'text' : 'unknown';
}

/** Architectures that generate text token by token (AutoModelForCausalLM); GPT-2's is GPT2LMHeadModel. */
export function isCausalLmArchitecture(architecture: string | null): boolean {
  return architecture !== null && /(ForCausalLM|LMHeadModel)$/.test(architecture);
}

/** Whether the tokenizer carries a chat template: tokenizer_config.json "chat_template" (a string or named templates) or chat_template.jinja. */
export function hasChatTemplate(folder: string): boolean {
  if (existsSync(join(folder, 'chat_template.jinja'))) return true;
  try {
    const settings = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const template = settings.chat_template;
    return (typeof template === 'string' && template.trim().length > 0) || (Array.isArray(template) && template.length > 0);
  } catch {
    return false;
  }
}

const numberOrNull = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : null);

/** Reads what a model folder is, from config.json and the weight headers only (fast: no weights are loaded). */
export function inspectModelFolder(folder: string): ModelInfo {
  const config = readConfig(folder);
  const weights = weightFiles(folder);
  if (!weights) {
    throw new AirlockError('MODEL_WEIGHTS_MISSING', `${folder} has no weights (*.safetensors or *.bin).`, {
      hint: 'Copy the whole model folder, including model.safetensors.',
    });
  }
  const architectures = Array.isArray(config.architectures) ? (config.architectures as string[]) : [];
  const architecture = architectures[0] ?? null;
  const modelType = typeof config.model_type === 'string' ? config.model_type : null;
  const hasTokenizer = TOKENIZER_FILES.some((name) => existsSync(join(folder, name)));
  const hasProcessor = PROCESSOR_FILES.some((name) => existsSync(join(folder, name)));
  const parameters =
    weights.format === 'safetensors'
      ? weights.files.reduce((sum, file) => sum + safetensorsParameterCount(join(folder, file)), 0)
      : null;
  const hasHead = architectures.some((name) => /For(Sequence|Image|Audio)Classification$/.test(name));
  const id2label = (config.id2label ?? {}) as Record<string, string>;
  const labels = hasHead ? Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((key) => id2label[key]) : [];
  return {
    architecture,
    modelType,
    modality: modalityOf(modelType, architecture, hasTokenizer),
    parameters,
    weightsFormat: weights.format,
    weightsBytes: weights.files.reduce((sum, file) => sum + statSync(join(folder, file)).size, 0),
    hasTokenizer,
    hasProcessor,
    maxPositions: numberOrNull(config.max_position_embeddings) ?? numberOrNull(config.n_positions) ?? numberOrNull(config.max_seq_len),
    maxInputTokens: inputLimit(folder, config).tokens,
    ...paddingOf(folder, hasTokenizer),
    hiddenSize: numberOrNull(config.hidden_size) ?? numberOrNull(config.d_model) ?? numberOrNull(config.n_embd),
    causalLm: architectures.some(isCausalLmArchitecture),
    chatTemplate: hasTokenizer && hasChatTemplate(folder),
    needsClassificationHead: !hasHead,
    labels,
    ...processorFacts(folder),
  };
}

/** The input size (image models) or sampling rate (audio models) from preprocessor_config.json. */
function processorFacts(folder: string): Pick<ModelInfo, 'imageSize' | 'samplingRate'> {
  let processor: Record<string, unknown> = {};
  try {
    processor = JSON.parse(readFileSync(join(folder, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return { imageSize: null, samplingRate: null };
  }
  const size = processor.size as Record<string, number> | number | undefined;
  let imageSize: string | null = null;
  if (typeof size === 'number') imageSize = `${size}×${size}`;
  else if (size && typeof size === 'object') {
    if (size.height && size.width) imageSize = `${size.height}×${size.width}`;
    else if (size.shortest_edge) imageSize = `shortest edge ${size.shortest_edge}`;
  }
  const crop = processor.crop_size as Record<string, number> | undefined;
  if (processor.do_center_crop && crop?.height && crop.width) imageSize = `${crop.height}×${crop.width}`;
  const rate = processor.sampling_rate;
  return { imageSize: 'image_mean' in processor ? imageSize : null, samplingRate: typeof rate === 'number' && Number.isInteger(rate) ? rate : null };
}
