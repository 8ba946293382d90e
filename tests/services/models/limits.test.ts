import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectModelFolder } from '../../../electron/services/models/inspect.ts';
import { inputLimit, paddingOf } from '../../../electron/services/models/limits.ts';
import { tempDir } from '../../helpers/home.ts';
import { tinyModelPath } from '../../helpers/tiny-model.ts';

/** A folder holding only the JSON files named (enough for the limit and padding rules). */
function folderWith(root: string, name: string, files: Record<string, unknown>): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(folder, file), typeof content === 'string' ? content : JSON.stringify(content));
  return folder;
}

describe('what a model folder allows', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('reports a GPT-2 folder without a padding token as padded with EOS, limited by n_positions', () => {
    const info = inspectModelFolder(tinyModelPath('gpt2'));
    expect(info).toMatchObject({ modelType: 'gpt2', maxPositions: 64, maxInputTokens: 64, padding: 'eos_token', padToken: '<|endoftext|>' });
  });

  it("reports RoBERTa's 514 listed positions as 512 usable, whatever an unset model_max_length says", () => {
    expect(inspectModelFolder(tinyModelPath('roberta'))).toMatchObject({ maxPositions: 514, maxInputTokens: 512, padding: 'pad_token', padToken: '<pad>' });
    expect(inspectModelFolder(tinyModelPath('roberta', 130))).toMatchObject({ maxPositions: 130, maxInputTokens: 128 });
    expect(inputLimit(tinyModelPath('roberta')).source).toContain('514');
  });

  it('reports a BERT folder with its own padding token and its positions', () => {
    expect(inspectModelFolder(tinyModelPath())).toMatchObject({ maxPositions: 128, maxInputTokens: 128, padding: 'pad_token', padToken: '[PAD]' });
  });

  it("takes the tokenizer's model_max_length when it is lower and sane", () => {
    const lower = folderWith(dir.path, 'lower', { 'config.json': { model_type: 'bert', max_position_embeddings: 512 }, 'tokenizer_config.json': { model_max_length: 256 } });
    expect(inputLimit(lower)).toEqual({ tokens: 256, source: 'model_max_length 256 in tokenizer_config.json' });
    const unset = folderWith(dir.path, 'unset', { 'config.json': { model_type: 'bert', max_position_embeddings: 512 }, 'tokenizer_config.json': { model_max_length: 1e30 } });
    expect(inputLimit(unset).tokens).toBe(512);
    const onlyTokenizer = folderWith(dir.path, 'only-tokenizer', { 'config.json': { model_type: 'llama' }, 'tokenizer_config.json': { model_max_length: 2048 } });
    expect(inputLimit(onlyTokenizer).tokens).toBe(2048);
    expect(inputLimit(folderWith(dir.path, 'nothing', { 'config.json': {} })).tokens).toBeNull();
  });

  it('reads declared tokens (text or AddedToken), an explicit null, and the usual tokens of the vocabulary', () => {
    const added = folderWith(dir.path, 'added', { 'tokenizer_config.json': { pad_token: { content: '<pad>', special: true } } });
    expect(paddingOf(added, true)).toEqual({ padding: 'pad_token', padToken: '<pad>' });
    const explicitNull = folderWith(dir.path, 'null', { 'tokenizer_config.json': { pad_token: null, eos_token: '</s>' }, 'vocab.txt': '[PAD]\nhello\n' });
    expect(paddingOf(explicitNull, true)).toEqual({ padding: 'eos_token', padToken: '</s>' });
    const oldBert = folderWith(dir.path, 'old-bert', { 'tokenizer_config.json': { do_lower_case: true }, 'vocab.txt': '[PAD]\n[UNK]\n[CLS]\n' });
    expect(paddingOf(oldBert, true)).toEqual({ padding: 'pad_token', padToken: '[PAD]' });
    const neither = folderWith(dir.path, 'neither', { 'tokenizer.json': { model: { vocab: { a: 0, b: 1 } }, added_tokens: [] } });
    expect(paddingOf(neither, true)).toEqual({ padding: 'none', padToken: null });
    expect(paddingOf(neither, false)).toEqual({ padding: null, padToken: null });
  });
});
