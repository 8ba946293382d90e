import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';

const jsonl = (records: unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

describe('airlock CLI: fine-tuning data for causal language models', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const file = (name: string, content: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, content);
    return path;
  };
  let pairs: string;
  let chats: string;
  beforeAll(() => {
    // Every third row (4 of 12) answers with 80 words, far past 64 tokens; the others fit in a few tokens.
    pairs = file('pairs.jsonl', jsonl(Array.from({ length: 12 }, (_, i) => ({ prompt: `Item ${i}?`, completion: i % 3 === 0 ? 'the quick brown fox '.repeat(20) : 'ok' }))));
    chats = file('chats.jsonl', jsonl(Array.from({ length: 6 }, (_, i) => ({ messages: [{ role: 'user', content: `What is ${i} plus ${i}?` }, { role: 'assistant', content: `It is ${2 * i}.` }] }))));
    for (const [model, name] of [[tinyModelPath('gpt2', 64), 'gpt2-64'], [tinyModelPath('llama'), 'llama'], [tinyModelPath(), 'bert']]) {
      const imported = airlock(home, ['models', 'import', model, '--name', name, '--json']);
      if (imported.code !== 0) throw new Error(imported.stderr);
    }
  });
  afterAll(() => dir.cleanup());

  it('imports prompt/completion pairs as causal_lm and says so', () => {
    const result = airlock(home, ['import', pairs, '--name', 'pairs', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.dataset.detection).toMatchObject({ task: 'causal_lm', labels: [], sft: { format: 'prompt_completion', promptColumn: 'prompt', completionColumn: 'completion' } });
    const human = airlock(home, ['datasets', 'show', result.json.dataset.id]);
    expect(human.stdout).toContain('Detected: text causal_lm, format prompt_completion; prompt column "prompt", completion column "completion"');
  });

  it('--format chooses the shape, and importing the same file in another shape re-reads it', () => {
    const text = airlock(home, ['import', pairs, '--format', 'text', '--json']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.json).toMatchObject({ existing: true, dataset: { detection: { task: 'causal_lm', labels: [], sft: { format: 'text', promptColumn: null, completionColumn: null } } } });
    const back = airlock(home, ['import', pairs, '--format', 'prompt_completion', '--json']);
    expect(back.json.dataset.detection.sft.format).toBe('prompt_completion');
    expect(airlock(home, ['datasets', '--json']).json.datasets).toHaveLength(1);
  });

  it('each bad input gets its code, names the row, and stores nothing', () => {
    const turn = (role: string, content: unknown) => ({ role, content });
    const cases: [string, string, string[], RegExp][] = [
      ['SFT_COLUMN_MISSING', file('no-chat.jsonl', jsonl([{ prompt: 'p', completion: 'c' }])), ['--format', 'chat'], /no messages column/],
      ['SFT_COLUMN_MISSING', file('no-output.csv', 'instruction,notes\ndo it,x\n'), ['--format', 'prompt_completion'], /"instruction" but no "output"/],
      ['SFT_COMPLETION_EMPTY', file('empty.jsonl', jsonl([{ prompt: 'p', completion: 'c' }, { prompt: 'q', completion: '' }])), [], /row 2: the completion \('completion'\) is empty/],
      ['CHAT_MESSAGES_INVALID', file('not-list.jsonl', jsonl([{ messages: [turn('user', 'q'), turn('assistant', 'a')] }, { messages: [turn('user', 'q'), turn('assistant', 'a')] }, { messages: ['hello'] }])), [], /^Row 3: the column 'messages' does not hold a conversation/],
      ['CHAT_ROLE_UNKNOWN', file('role.jsonl', jsonl([{ messages: [turn('human', 'q'), turn('assistant', 'a')] }])), [], /^Row 1: a turn has the role "human"/],
      ['CHAT_NO_ASSISTANT_TURN', file('no-answer.jsonl', jsonl([{ messages: [turn('user', 'q'), turn('assistant', 'a')] }, { messages: [turn('system', 's'), turn('user', 'q')] }])), [], /^Row 2: the conversation has no assistant turn/],
      ['SFT_FORMAT_UNKNOWN', pairs, ['--format', 'alpaca'], /--format alpaca is not a format/],
    ];
    for (const [code, path, options, message] of cases) {
      const result = airlock(home, ['import', path, ...options, '--json']);
      expect(result.code, `${code}: ${result.stdout}`).toBe(1);
      expect(result.json.error).toMatchObject({ code });
      expect(result.json.error.message).toMatch(message);
      expect(result.json.error.hint).toBeTruthy();
    }
    expect(readdirSync(join(home, 'datasets'))).toHaveLength(1);
    expect(readdirSync(join(home, 'staging'))).toEqual([]);
  });

  it('config: a LoRA causal_lm config, max_length capped by the model, and the rows it cuts on stderr', () => {
    const result = airlock(home, ['config', pairs, '--model', 'gpt2-64', '--out', join(dir.path, 'run.yaml'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { config, reasons, warnings } = result.json;
    expect(config.model).toMatchObject({ name: 'gpt2-64', task: 'causal_lm' });
    expect(config.data).toMatchObject({ format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion', input_column: null, label_column: null, max_length: 64 });
    expect(config.training).toMatchObject({ finetuning: 'auto', learning_rate: 2e-4 });
    expect(reasons['data.max_length']).toMatch(/^64: the most the model gpt2-64 can read; the longest row has \d+ tokens \(12 rows measured/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].code).toBe('SFT_ROWS_TOO_LONG');
    expect(warnings[0].message).toMatch(/^4 of 12 rows are longer than data\.max_length 64 tokens and will be cut at the end, answers included: a row whose answer starts past 64 tokens teaches nothing \(the longest has \d+\)\./);
    expect(result.stderr).toContain(`Warning [SFT_ROWS_TOO_LONG]: ${warnings[0].message}`);
  });

  it('config: chat data on a model with a chat template covers the longest conversation without a warning', () => {
    const imported = airlock(home, ['import', chats, '--json']);
    expect(imported.json.dataset.detection.sft).toMatchObject({ format: 'chat', messagesColumn: 'messages', chatRoles: { user: 6, assistant: 6 } });
    const result = airlock(home, ['config', imported.json.dataset.id, '--model', 'llama', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.config.data).toMatchObject({ format: 'chat', messages_column: 'messages' });
    expect(result.json.config.data.max_length % 8).toBe(0);
    expect(result.json.reasons['data.max_length']).toMatch(/covers the longest row \(\d+ tokens; 6 rows measured with the model's tokenizer/);
    expect(result.json.reasons['data.format']).not.toMatch(/no chat template/);
    expect(result.json.warnings).toEqual([]);
    expect(result.stderr).not.toContain('Warning');
    const gpt2 = airlock(home, ['config', imported.json.dataset.id, '--model', 'gpt2-64', '--json']);
    expect(gpt2.json.reasons['data.format']).toMatch(/no chat template: Airlock writes the turns with its default \(ChatML/);
  });

  it('config: a causal_lm dataset refuses a model that cannot write text; a classifier on a causal LM stays allowed', () => {
    const refused = airlock(home, ['config', pairs, '--model', 'bert', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'MODEL_UNSUPPORTED' });
    expect(refused.json.error.message).toMatch(/is not a causal language model/);
    expect(refused.json.error.hint).toMatch(/gpt2-64, llama/);
    // a causal_lm config edited to name a model that cannot write text fails before any work
    const edited = join(dir.path, 'bert.yaml');
    writeFileSync(edited, readFileSync(join(dir.path, 'run.yaml'), 'utf8').replace(/^  name: gpt2-64$/m, '  name: bert'));
    const preview = airlock(home, ['config', 'preview', edited, '--json']);
    expect(preview.json.error).toMatchObject({ code: 'MODEL_UNSUPPORTED' });
    const reviews = writeSentimentCsv(join(dir.path, 'reviews.csv'));
    const classifier = airlock(home, ['config', reviews, '--model', 'gpt2-64', '--json']);
    expect(classifier.code, classifier.stderr).toBe(0);
    expect(classifier.json.config.model).toMatchObject({ name: 'gpt2-64', task: 'classification' });
    expect(classifier.json.config.data).toMatchObject({ format: null, text_column: 'review', label_column: 'sentiment' });
  });
});
