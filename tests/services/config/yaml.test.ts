import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configToYaml, loadConfigFile, parseConfig } from '../../../electron/services/config/yaml.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { DEFAULT_MODEL_ID } from '../../../schemas/config.ts';
import { tempDir } from '../../helpers/home.ts';

function errorOf(work: () => unknown): AirlockError {
  try {
    work();
  } catch (error) {
    return error as AirlockError;
  }
  throw new Error('expected an error');
}

describe('config YAML', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => dir?.cleanup());

  it('fills every default, including the default model for a config that names none', () => {
    const config = parseConfig({ data: { train_path: 'ds-1', text_column: 'quote', label_column: 'topic' } });
    expect(config.model.name).toBe(DEFAULT_MODEL_ID);
    expect(config.training).toMatchObject({ max_epochs: 3, batch_size: 32, precision: 'auto', seed: 42, devices: 'auto' });
    expect(config.data).toMatchObject({ val_split: 0.1, max_length: 128, val_path: null });
  });

  it('writes commented YAML that reads back to the same config', () => {
    const config = parseConfig({ data: { train_path: 'ds-1', text_column: 'quote', label_column: 'topic' }, experiment: { name: 'fortunes', tags: { department: 'research' } } });
    const yaml = configToYaml(config, 'header line');
    expect(yaml).toContain('# Column holding the text the model reads (for an image or audio folder: its file column, `file`; for causal_lm with format text: the text learned).');
    expect(yaml).toContain('# header line');
    expect(parseConfig(parse(yaml))).toEqual(config);
  });

  it('heads the YAML with the effective batch size: its value when the devices are known, "the GPUs found" for auto', () => {
    const data = { train_path: 'ds-1', text_column: 'quote', label_column: 'topic' };
    const fixed = parseConfig({ data, training: { batch_size: 8, devices: 2, accelerator: 'cpu', num_nodes: 3, accumulate_grad_batches: 4 } });
    const yaml = configToYaml(fixed, 'Airlock training config');
    expect(yaml.split('\n').slice(0, 2)).toEqual([
      '# Airlock training config',
      '# Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches = 8 × 2 × 3 × 4 = 192',
    ]);
    expect(parseConfig(parse(yaml))).toEqual(fixed);

    const auto = parseConfig({ data, training: { batch_size: 16 } });
    expect(configToYaml(auto).split('\n')[0]).toBe('# Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches = 16 × the GPUs found × 1 × 1');
    expect(configToYaml(auto, undefined, 4).split('\n')[0]).toBe('# Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches = 16 × 4 × 1 × 1 = 64');
    // No GPU: auto trains on the CPU, one process.
    expect(configToYaml(auto, undefined, 0).split('\n')[0]).toMatch(/= 16 × 1 × 1 × 1 = 16$/);
    expect(configToYaml(parseConfig({ data, training: { devices: 'cpu' } }), undefined, 8).split('\n')[0]).toMatch(/= 32 × 1 × 1 × 1 = 32$/);
  });

  it('reports every problem at once, naming each field', () => {
    const error = errorOf(() =>
      parseConfig({ data: { train_path: 'x', label_column: 3, max_length: 2 }, training: { batch_size: 0, learning_rate: -1, colour: 'red' } }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    const fields = error.details!.map((detail) => detail.split(':')[0]);
    expect(fields).toEqual(expect.arrayContaining(['data.text_column', 'data.label_column', 'data.max_length', 'training.batch_size', 'training.learning_rate', 'training']));
    expect(error.details!.join('\n')).toContain('colour');
  });

  it('gives distinct codes for a missing file and broken YAML', () => {
    dir = tempDir();
    expect(errorOf(() => loadConfigFile(join(dir!.path, 'nope.yaml'))).code).toBe('CONFIG_NOT_FOUND');
    const broken = join(dir.path, 'broken.yaml');
    writeFileSync(broken, 'data:\n  train_path: [unclosed\n');
    expect(errorOf(() => loadConfigFile(broken)).code).toBe('CONFIG_YAML_INVALID');
  });
});
