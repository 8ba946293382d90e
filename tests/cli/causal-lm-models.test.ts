import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';

describe('airlock CLI: causal language models in the cache', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  afterAll(() => dir.cleanup());

  it('imports a GPT-2 decoder: a causal LM with no chat template, padded with its end-of-text token', () => {
    const imported = airlock(home, ['models', 'import', tinyModelPath('gpt2'), '--name', 'tiny-gpt2', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.model.info).toMatchObject({
      architecture: 'GPT2LMHeadModel',
      modality: 'text',
      causalLm: true,
      chatTemplate: false,
      maxInputTokens: 64,
      padding: 'eos_token',
      padToken: '<|endoftext|>',
    });
    expect(imported.json.model.info.parameters).toBeGreaterThan(1000);
    const human = airlock(home, ['models', 'inspect', 'tiny-gpt2']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Causal LM: yes');
    expect(human.stdout).toContain("Chat template: no; chat data is formatted with ChatML's markers (<|im_start|>role … <|im_end|>)");
    expect(human.stdout).toContain('Longest input: 64 tokens');
    expect(human.stdout).toContain('pad = EOS');
    expect(human.stdout).not.toContain('Classification head');
  });

  it('imports a Llama decoder with its chat template and <pad> token, and lists both as causal LMs', () => {
    const imported = airlock(home, ['models', 'import', tinyModelPath('llama'), '--name', 'tiny-llama', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const inspected = airlock(home, ['models', 'inspect', 'tiny-llama', '--json']);
    expect(inspected.json.model.info).toMatchObject({ architecture: 'LlamaForCausalLM', causalLm: true, chatTemplate: true, padding: 'pad_token', padToken: '<pad>' });
    expect(inspected.json.model.info.maxInputTokens).toBeGreaterThan(0);
    const human = airlock(home, ['models', 'inspect', 'tiny-llama']);
    expect(human.stdout).toContain('Chat template: yes; chat data is formatted with it');
    expect(human.stdout).toContain('Padding: its own padding token <pad>');
    const listed = airlock(home, ['models']);
    expect(listed.stdout.split('\n').filter((line) => line.includes('causal LM')).map((line) => line.split(/\s+/)[0]).sort()).toEqual(['tiny-gpt2', 'tiny-llama']);
  });

  it('keeps an encoder a classifier base: not a causal LM, no chat template', () => {
    const folder = airlock(home, ['models', 'inspect', tinyModelPath(), '--json']);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.json.model.info).toMatchObject({ architecture: 'BertModel', causalLm: false, chatTemplate: false });
  });
});
