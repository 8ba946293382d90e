import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RunConfig } from '../../schemas/config.ts';
import { describeIssues } from '../../electron/services/config/yaml.ts';
import { tempDir } from '../helpers/home.ts';

const data = { train_path: 'ds-123', text_column: 'quote', label_column: 'topic' };

/** The same configs go to zod and to the Python trainer; both must accept or reject each one alike. */
const CASES: { name: string; config: unknown; valid: boolean }[] = [
  { name: 'minimal', config: { data }, valid: true },
  {
    name: 'complete',
    config: {
      model: { name: 'all-minilm-l6-v2', task: 'classification', allow_pickle: false },
      data: { ...data, val_path: null, val_split: 0.1, test_path: null, max_length: 128 },
      training: { max_epochs: 3, max_steps: null, learning_rate: 5e-5, warmup_ratio: 0.1, weight_decay: 0.01, batch_size: 32, precision: 'auto', seed: 42, devices: 'auto', early_stopping_patience: null },
      experiment: { name: 'fortunes', tags: { department: 'research' } },
      deployment: { register_model: false, stage: 'staging' },
    },
    valid: true,
  },
  { name: 'devices as a count', config: { data, training: { devices: 2 } }, valid: true },
  { name: 'devices cpu', config: { data, training: { devices: 'cpu', precision: 'bf16-mixed' } }, valid: true },
  { name: 'no data section', config: { model: { name: 'x' } }, valid: false },
  { name: 'missing text column', config: { data: { train_path: 'x', label_column: 'y' } }, valid: false },
  { name: 'unknown field', config: { data, training: { colour: 'red' } }, valid: false },
  { name: 'unknown section', config: { data, extras: {} }, valid: false },
  { name: 'batch size zero', config: { data, training: { batch_size: 0 } }, valid: false },
  { name: 'fractional epochs', config: { data, training: { max_epochs: 1.5 } }, valid: false },
  { name: 'val_split too large', config: { data: { ...data, val_split: 0.5 } }, valid: false },
  { name: 'unknown precision', config: { data, training: { precision: 'fp8' } }, valid: false },
  { name: 'devices zero', config: { data, training: { devices: 0 } }, valid: false },
  { name: 'wrong task', config: { data, model: { task: 'translation' } }, valid: false },
  { name: 'tags not strings', config: { data, experiment: { tags: { n: 3 } } }, valid: false },
  { name: 'max_length too small', config: { data: { ...data, max_length: 4 } }, valid: false },
  { name: 'tag names MLflow accepts', config: { data, experiment: { name: 'triage: Q3 (v2)', tags: { 'ticket:1234': 'a', 'data/version': 'b', ['k'.repeat(250)]: 'c' } } }, valid: true },
  { name: 'a tag name MLflow refuses', config: { data, experiment: { tags: { 'owner@team': 'x' } } }, valid: false },
  { name: 'a tag name read as a path', config: { data, experiment: { tags: { 'a/../b': 'x' } } }, valid: false },
  { name: 'a tag value over 8000 characters', config: { data, experiment: { tags: { notes: 'x'.repeat(8001) } } }, valid: false },
  { name: 'an experiment name over 256 characters', config: { data, experiment: { name: 'e'.repeat(257) } }, valid: false },
  { name: 'text column is the label column', config: { data: { ...data, label_column: data.text_column } }, valid: false },
  { name: 'experiment name of 5,000 characters', config: { data, experiment: { name: 'x'.repeat(5000) } }, valid: false },
  { name: 'tag key too long', config: { data, experiment: { tags: { ['k'.repeat(251)]: 'v' } } }, valid: false },
];

function pythonVerdict(path: string): { valid: boolean; details: string[] } {
  const result = spawnSync(join('.venv', 'bin', 'python'), ['-m', 'airlock_trainer', 'validate-config', path], {
    env: { ...process.env, PYTHONPATH: 'trainer' },
    encoding: 'utf8',
  });
  const events = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const last = events.at(-1);
  if (last?.type === 'finished') return { valid: true, details: [] };
  if (last?.type === 'error' && last.code === 'CONFIG_INVALID') return { valid: false, details: last.details };
  throw new Error(`unexpected trainer output: ${result.stdout} ${result.stderr}`);
}

describe('config contract: zod and the Python trainer agree', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it.each(CASES)('$name', ({ name, config, valid }) => {
    const path = join(dir.path, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(path, stringify(config));
    expect(RunConfig.safeParse(config).success).toBe(valid);
    const python = pythonVerdict(path);
    expect(python.valid).toBe(valid);
    if (!valid) expect(python.details.length).toBeGreaterThan(0);
  });

  it("names every tag MLflow would refuse by its field path, in the same words on both sides", () => {
    const tags = { 'cost-center#': 'ops-41', 'owner@team': 'triage', 'ticket:1234': 'ok', 'data?version': '2024-09', ['k'.repeat(300)]: 'x', notes: 'y'.repeat(9000) };
    const config = { data, training: { batch_size: 0 }, experiment: { name: 'support triage: Q3 (v2)', tags } };
    const path = join(dir.path, 'mlflow-keys.yaml');
    writeFileSync(path, stringify(config));
    const zodDetails = describeIssues(RunConfig.safeParse(config).error!);
    const pythonDetails = pythonVerdict(path).details;
    // The schema's own messages are worded by each library; MLflow's rules are ours, word for word.
    expect(pythonDetails[0]).toMatch(/^training\.batch_size: /);
    expect(pythonDetails.slice(1)).toEqual(zodDetails.slice(1));
    expect(zodDetails.map((detail) => detail.split(': ')[0])).toEqual([
      'training.batch_size', 'experiment.tags["cost-center#"]', 'experiment.tags["owner@team"]', 'experiment.tags["data?version"]', `experiment.tags.${'k'.repeat(300)}`, 'experiment.tags.notes',
    ]);
  });

  it('reports every problem at once on both sides', () => {
    const config = { data: { train_path: 'x', label_column: 3 }, training: { batch_size: 0, learning_rate: -1 } };
    const path = join(dir.path, 'several.yaml');
    writeFileSync(path, stringify(config));
    const zodIssues = RunConfig.safeParse(config).error!.issues.length;
    const python = pythonVerdict(path);
    expect(zodIssues).toBe(4);
    expect(python.details).toHaveLength(4);
    for (const field of ['data.text_column', 'data.label_column', 'training.batch_size', 'training.learning_rate']) {
      expect(python.details.join('\n')).toContain(field);
    }
  });
});
