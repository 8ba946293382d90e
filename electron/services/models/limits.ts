import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PaddingSource } from '../../../schemas/model.ts';

// The same rules as the trainer's airlock_trainer/model_limits.py, so inspection, `airlock config` and training agree
// (tests/contract/model-facts-contract.test.ts runs both on the same folders).

/** Models whose position ids start after padding_idx (RoBERTa): config.json lists padding_idx + 1 more positions than an input can use. */
const OFFSET_POSITION_TYPES = new Set(['roberta', 'xlm-roberta', 'xlm-roberta-xl', 'camembert', 'longformer', 'mpnet', 'data2vec-text', 'roberta-prelayernorm', 'ibert', 'luke', 'markuplm', 'xmod']);
const POSITION_KEYS = ['max_position_embeddings', 'n_positions', 'max_seq_len'];
/** transformers writes a huge number (1e30) as model_max_length when a tokenizer states no limit. */
const SANE_MODEL_MAX_LENGTH = 1_000_000;
/** Tokenizer classes fall back to these when their files declare none (BERT's [PAD], RoBERTa's <pad>, GPT-2's EOS). */
const USUAL_PAD_TOKENS = ['[PAD]', '<pad>', '<|pad|>', '<|padding|>'];
const USUAL_EOS_TOKENS = ['<|endoftext|>', '</s>', '<eos>', '<|eos|>', '<|end_of_text|>'];

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

const wholeNumber = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null);

/** The most tokens one input may have and where that number comes from (for messages); tokens is null when unknown. */
export function inputLimit(folder: string, config: Json = readJson(join(folder, 'config.json'))): { tokens: number | null; source: string } {
  let tokens: number | null = null;
  let source = '';
  for (const key of POSITION_KEYS) {
    const positions = wholeNumber(config[key]);
    if (positions === null) continue;
    tokens = positions;
    source = `${key} ${positions} in config.json`;
    const modelType = config.model_type;
    if (typeof modelType === 'string' && OFFSET_POSITION_TYPES.has(modelType)) {
      const reserved = (wholeNumber(config.pad_token_id) ?? 1) + 1;
      tokens = positions - reserved;
      source += `, less the ${reserved} that ${modelType} models reserve for padding`;
    }
    break;
  }
  const tokenizerLimit = wholeNumber(readJson(join(folder, 'tokenizer_config.json')).model_max_length);
  if (tokenizerLimit !== null && tokenizerLimit <= SANE_MODEL_MAX_LENGTH && (tokens === null || tokenizerLimit < tokens)) {
    tokens = tokenizerLimit;
    source = `model_max_length ${tokenizerLimit} in tokenizer_config.json`;
  }
  return { tokens, source };
}

function tokenText(value: unknown): string | null {
  const text = typeof value === 'object' && value !== null ? (value as Json).content : value;
  return typeof text === 'string' && text.length > 0 ? text : null;
}

/** Whether tokenizer_config.json or special_tokens_map.json names `key` (even as null), and its text. */
function declared(folder: string, key: string): { declared: boolean; text: string | null } {
  for (const name of ['tokenizer_config.json', 'special_tokens_map.json']) {
    const settings = readJson(join(folder, name));
    if (key in settings) return { declared: true, text: tokenText(settings[key]) };
  }
  return { declared: false, text: null };
}

function vocabulary(folder: string): Set<string> {
  const tokens = new Set<string>();
  const tokenizer = readJson(join(folder, 'tokenizer.json'));
  const vocab = (tokenizer.model as Json | undefined)?.vocab;
  if (Array.isArray(vocab)) {
    for (const entry of vocab) if (Array.isArray(entry) && typeof entry[0] === 'string') tokens.add(entry[0]); // Unigram: [piece, score]
  } else if (typeof vocab === 'object' && vocab !== null) {
    for (const token of Object.keys(vocab)) tokens.add(token);
  }
  for (const entry of Array.isArray(tokenizer.added_tokens) ? tokenizer.added_tokens : []) tokens.add(tokenText(entry) ?? '');
  for (const token of Object.keys(readJson(join(folder, 'vocab.json')))) tokens.add(token);
  const vocabText = join(folder, 'vocab.txt');
  if (existsSync(vocabText)) for (const line of readFileSync(vocabText, 'utf8').split('\n')) tokens.add(line);
  return tokens;
}

function tokenFor(folder: string, key: string, usual: string[], known: Set<string>): string | null {
  const found = declared(folder, key);
  return found.declared ? found.text : (usual.find((token) => known.has(token)) ?? null);
}

/** How training will pad this folder's batches and with which token; padding is null without a tokenizer. */
export function paddingOf(folder: string, hasTokenizer: boolean): { padding: PaddingSource | null; padToken: string | null } {
  if (!hasTokenizer) return { padding: null, padToken: null };
  const known = vocabulary(folder);
  const pad = tokenFor(folder, 'pad_token', USUAL_PAD_TOKENS, known);
  if (pad !== null) return { padding: 'pad_token', padToken: pad };
  const eos = tokenFor(folder, 'eos_token', USUAL_EOS_TOKENS, known);
  return { padding: eos ? 'eos_token' : 'none', padToken: eos };
}
