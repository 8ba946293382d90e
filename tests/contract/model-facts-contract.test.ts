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
  { name: 'tiny GPT-2 (no padding token)', kind: 'gpt2' },
  { name: 'tiny RoBERTa, 514 positions', kind: 'roberta' },
  { name: 'tiny RoBERTa, 130 positions', kind: 'roberta', positions: 130 },
];

describe('model facts contract: the app and the trainer read a folder alike', () => {
  it.each(FOLDERS)('$name', ({ kind, positions }) => {
    const folder = tinyModelPath(kind, positions);
    const app = inspectModelFolder(folder);
    const trainer = pythonInfo(folder);
    expect({ maxPositions: app.maxPositions, maxInputTokens: app.maxInputTokens, padding: app.padding, padToken: app.padToken }).toEqual({
      maxPositions: trainer.max_positions,
      maxInputTokens: trainer.max_input_tokens,
      padding: trainer.padding,
      padToken: trainer.pad_token,
    });
    expect(app.maxInputTokens).toBeGreaterThan(0);
  });
});
