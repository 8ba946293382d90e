import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inspectModelFolder } from '../../electron/services/models/inspect.ts';
import { tinyModelPath, type TinyModelKind } from '../helpers/tiny-model.ts';

/** The trainer's `inspect-model` facts for a folder. */
function pythonInfo(folder: string): Record<string, unknown> {
  const result = spawnSync(join('.venv', 'bin', 'python'), ['-m', 'airlock_trainer', 'inspect-model', folder], {
    env: { ...process.env, PYTHONPATH: 'trainer' },
    encoding: 'utf8',
  });
  const event = result.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((candidate) => candidate.type === 'model_info');
  if (!event) throw new Error(`inspect-model failed: ${result.stdout} ${result.stderr}`);
  return event.info;
}

const FOLDERS: { name: string; kind: TinyModelKind; positions?: number }[] = [
  { name: 'tiny BERT', kind: 'bert' },
  { name: 'tiny GPT-2 (no padding token, no chat template)', kind: 'gpt2' },
  { name: 'tiny Llama (a padding token and a chat template)', kind: 'llama' },
  { name: 'tiny RoBERTa, 514 positions', kind: 'roberta' },
  { name: 'tiny RoBERTa, 130 positions', kind: 'roberta', positions: 130 },
];

describe('model facts contract: the app and the trainer read a folder alike', () => {
  it.each(FOLDERS)('$name', ({ kind, positions }) => {
    const folder = tinyModelPath(kind, positions);
    const app = inspectModelFolder(folder);
    const trainer = pythonInfo(folder);
    const { maxPositions, maxInputTokens, padding, padToken, parameters, causalLm, chatTemplate } = app;
    expect({ maxPositions, maxInputTokens, padding, padToken, parameters, causalLm, chatTemplate }).toEqual({
      maxPositions: trainer.max_positions,
      maxInputTokens: trainer.max_input_tokens,
      padding: trainer.padding,
      padToken: trainer.pad_token,
      parameters: trainer.parameters,
      causalLm: trainer.causal_lm,
      chatTemplate: trainer.chat_template,
    });
    expect(app.maxInputTokens).toBeGreaterThan(0);
  });
});
