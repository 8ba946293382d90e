import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';

describe('airlock CLI: datasets and models', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  let csv: string;
  beforeAll(() => {
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'));
  });
  afterAll(() => dir.cleanup());

  it('imports a CSV and prints the dataset contract as JSON', () => {
    const result = airlock(home, ['import', csv, '--name', 'reviews', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { dataset, existing } = result.json;
    expect(existing).toBe(false);
    expect(dataset).toMatchObject({ name: 'reviews', format: 'csv', rows: 60 });
    expect(dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(dataset.columns.map((column: { name: string }) => column.name)).toEqual(['id', 'review', 'sentiment']);
    expect(dataset.detection).toMatchObject({ modality: 'text', task: 'classification', textColumn: 'review', labelColumn: 'sentiment' });
    expect(dataset.detection.labels.map((label: { label: string }) => label.label).sort()).toEqual(['negative', 'positive']);
  });

  it('returns the stored dataset when the same content is imported again, and lists it', () => {
    const again = airlock(home, ['import', csv, '--json']);
    expect(again.json.existing).toBe(true);
    const listed = airlock(home, ['datasets', '--json']);
    expect(listed.json.datasets).toHaveLength(1);
    expect(readdirSync(join(home, 'datasets'))).toHaveLength(1);
  });

  it('prints a JSON error with code and hint, exits non-zero, and stores nothing for bad input', () => {
    const empty = join(dir.path, 'empty.csv');
    writeFileSync(empty, '');
    const result = airlock(home, ['import', empty, '--json']);
    expect(result.code).not.toBe(0);
    expect(result.json.error).toMatchObject({ code: 'DATASET_EMPTY' });
    expect(result.json.error.message).toBeTruthy();
    expect(result.json.error.hint).toBeTruthy();
    expect(readdirSync(join(home, 'datasets'))).toHaveLength(1);
    expect(readdirSync(join(home, 'staging'))).toEqual([]);
    const human = airlock(home, ['import', join(dir.path, 'nope.csv')]);
    expect(human.code).not.toBe(0);
    expect(human.stderr).toContain('FILE_NOT_FOUND');
    expect(human.stderr).not.toMatch(/\bat .+\.ts:\d+/); // no stack trace
  });

  it('imports and inspects a model folder', () => {
    const imported = airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.model.id).toBe('tiny');
    const inspected = airlock(home, ['models', 'inspect', 'tiny', '--json']);
    expect(inspected.json.model.info).toMatchObject({ architecture: 'BertModel', modality: 'text', hasTokenizer: true, needsClassificationHead: true, maxPositions: 128 });
    expect(inspected.json.model.info.parameters).toBeGreaterThan(1000);
    const listed = airlock(home, ['models', '--json']);
    expect(listed.json.models.map((model: { id: string }) => model.id)).toContain('tiny');
  });

  it('says whether a model pads with its own token or with EOS, and how long its inputs may be', () => {
    const imported = airlock(home, ['models', 'import', tinyModelPath('gpt2'), '--name', 'gpt2']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Longest input: 64 tokens');
    expect(imported.stdout).toContain('pads with the end-of-text token <|endoftext|> (pad = EOS)');
    const roberta = airlock(home, ['models', 'import', tinyModelPath('roberta'), '--name', 'roberta', '--json']);
    expect(roberta.json.model.info).toMatchObject({ maxPositions: 514, maxInputTokens: 512, padding: 'pad_token', padToken: '<pad>' });
    expect(airlock(home, ['models', 'inspect', 'roberta']).stdout).toContain('Longest input: 512 tokens (config.json lists 514 positions)');
  });

  it("never suggests a max_length past the model's usable positions, for long texts", () => {
    const long = join(dir.path, 'long.csv');
    const rows = Array.from({ length: 40 }, (_, index) => `"${'a long review that goes on and on '.repeat(25)}${index}",${index % 2 ? 'good' : 'bad'}`);
    writeFileSync(long, ['review,sentiment', ...rows].join('\n') + '\n');
    for (const [model, limit] of [['gpt2', 64], ['roberta', 512]] as const) {
      const result = airlock(home, ['config', long, '--model', model, '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json.config.data.max_length).toBe(limit);
      expect(result.json.reasons['data.max_length']).toContain('the most this model can read');
    }
  });

  it('writes a complete config from detection', () => {
    const out = join(dir.path, 'run.yaml');
    const result = airlock(home, ['config', csv, '--model', 'tiny', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.config.data).toMatchObject({ text_column: 'review', label_column: 'sentiment' });
    expect(result.json.config.model.name).toBe('tiny');
    expect(result.json.config.training.precision).toBe('32-true');
    expect(result.json.config.data.max_length).toBeGreaterThanOrEqual(16);
    // The header gives the effective batch size with this machine's devices counted (auto: the GPUs found, or the CPU).
    const line = /^# Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches = (\d+) × (\d+) × 1 × 1 = (\d+)$/m.exec(readFileSync(out, 'utf8'));
    expect(line, readFileSync(out, 'utf8').slice(0, 800)).not.toBeNull();
    expect(Number(line![1])).toBe(result.json.config.training.batch_size);
    expect(Number(line![3])).toBe(Number(line![1]) * Number(line![2]));
  });

  it('rejects unknown commands and options with a usage hint', () => {
    expect(airlock(home, ['frobnicate', '--json']).json.error.code).toBe('INVALID_INPUT');
    expect(airlock(home, ['import', csv, '--colour', 'red', '--json']).json.error.code).toBe('INVALID_INPUT');
  });
});
