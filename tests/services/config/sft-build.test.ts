import { describe, expect, it } from 'vitest';
import { isCausalLm, suggestSftConfig, suggestSftMaxLength } from '../../../electron/services/config/sft-build.ts';
import { inspectModelFolder } from '../../../electron/services/models/inspect.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel, ModelInfo } from '../../../schemas/model.ts';
import { tinyModelPath } from '../../helpers/tiny-model.ts';

const column = (name: string, max: number) => ({ name, type: 'text', distinct: 10, distinctCapped: false, missing: 0, textLength: { min: 1, p50: 10, p95: 20, max, mean: 10 }, samples: [] });
const dataset = {
  id: 'ds-1',
  name: 'pairs',
  rows: 10000,
  columns: [column('prompt', 400), column('completion', 3600)],
  detection: {
    modality: 'text', task: 'causal_lm', textColumn: null, labelColumn: null, labels: [], idColumns: [], balance: null, warnings: [],
    sft: { format: 'prompt_completion', promptColumn: 'prompt', inputColumn: null, completionColumn: 'completion', messagesColumn: null, textColumn: null, chatRoles: null },
  },
} as unknown as Dataset;
const model = (maxInputTokens: number | null) => ({ id: 'lm', path: '/nowhere', info: { architecture: 'LlamaForCausalLM', maxInputTokens } }) as unknown as CachedModel;

describe('causal_lm config suggestions', () => {
  it('covers the longest measured row when it fits, with no warning', () => {
    const suggested = suggestSftMaxLength(dataset, model(1024), { count: 3, rows: 3, max: 101, lengths: [20, 50, 101] });
    expect(suggested).toMatchObject({ value: 104, warning: null });
    expect(suggested.reason).toBe("104: covers the longest row (101 tokens; 3 rows measured with the model's tokenizer, as training encodes them).");
  });

  it('caps at the model and counts the rows cut, scaled to all rows when only a sample was measured', () => {
    const lengths = [...Array(4000).fill(100), ...Array(1000).fill(900)];
    const suggested = suggestSftMaxLength(dataset, model(512), { count: 5000, rows: 9990, max: 900, lengths });
    expect(suggested.value).toBe(512);
    expect(suggested.warning).toEqual({ code: 'SFT_ROWS_TOO_LONG', message: 'about 1998 of 9990 rows (1000 of 5000 measured) are longer than data.max_length 512 tokens and will be cut at the end, answers included: a row whose answer starts past 512 tokens teaches nothing (the longest has 900). Shorten the longest prompts to keep their answers.' });
  });

  it("stops at Airlock's ceiling below a long context, and says the model reads more", () => {
    const suggested = suggestSftMaxLength(dataset, model(32768), { count: 2, rows: 2, max: 5000, lengths: [10, 5000] });
    expect(suggested.value).toBe(2048);
    expect(suggested.warning!.message).toBe('1 of 2 rows are longer than data.max_length 2048 tokens and will be cut at the end, answers included: a row whose answer starts past 2048 tokens teaches nothing (the longest has 5000). The model reads up to 32768: raise data.max_length to keep more, at a cost in memory and time.');
  });

  it('estimates from characters when the tokenizer could not be run', () => {
    const suggested = suggestSftMaxLength(dataset, model(512), null);
    expect(suggested.value).toBe(512); // (400 + 3600) / 4 + 8 = 1008 tokens
    expect(suggested.warning!.message).toMatch(/about 1008 tokens, estimated/);
  });

  it('writes a LoRA config of the detected shape', () => {
    const { config, warnings } = suggestSftConfig(dataset, model(1024), null, { count: 1, rows: 1, max: 30, lengths: [30] });
    expect(config.model).toMatchObject({ name: 'lm', task: 'causal_lm' });
    expect(config.data).toMatchObject({ format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion', text_column: null, label_column: null, max_length: 32 });
    expect(config.training).toMatchObject({ finetuning: 'auto', learning_rate: 2e-4, batch_size: 8 });
    expect(warnings).toEqual([]);
  });

  it('tells causal LMs from encoders by their architecture', () => {
    expect(isCausalLm(inspectModelFolder(tinyModelPath('gpt2')))).toBe(true);
    expect(isCausalLm(inspectModelFolder(tinyModelPath('llama')))).toBe(true);
    expect(isCausalLm(inspectModelFolder(tinyModelPath()))).toBe(false);
    expect(isCausalLm({ architecture: 'Qwen2ForSequenceClassification' } as ModelInfo)).toBe(false);
  });
});
