import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { writeSentimentCsv } from '../helpers/tiny-model.ts';

describe('airlock train: what MLflow would refuse is refused up front', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('one CONFIG_INVALID naming every bad tag by its field path, before the dataset is imported or a run is made', () => {
    const home = join(dir.path, 'home');
    const csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 10);
    const longKey = 'k'.repeat(300);
    const config = join(dir.path, 'tags.yaml');
    writeFileSync(
      config,
      stringify({
        model: { name: 'all-minilm-l6-v2' },
        data: { train_path: csv, text_column: 'review', label_column: 'sentiment', max_length: 32 },
        training: { max_epochs: 1, max_steps: 1, batch_size: 8 },
        experiment: {
          name: 'support triage: Q3 (v2)',
          tags: { 'cost-center#': 'ops-41', 'owner@team': 'triage', 'ticket:1234': 'baseline', 'data?version': '2024-09', [longKey]: 'x', notes: 'y'.repeat(9000) },
        },
      }),
    );

    const result = airlock(home, ['train', config, '--json']);
    expect(result.code).not.toBe(0);
    const error = result.json.error;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.field).toBe('experiment.tags["cost-center#"]');
    expect(error.details).toEqual([
      'experiment.tags["cost-center#"]: MLflow does not accept "#" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
      'experiment.tags["owner@team"]: MLflow does not accept "@" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
      'experiment.tags["data?version"]: MLflow does not accept "?" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
      `experiment.tags.${longKey}: the tag name is 300 characters long, over MLflow's limit of 250`,
      "experiment.tags.notes: the value is 9000 characters long, over MLflow's limit of 8000 for a tag value",
    ]);
    expect(error.message).toContain('5 problems');

    // Nothing was imported or stored for the refused config.
    expect(airlock(home, ['datasets', '--json']).json.datasets).toEqual([]);
    expect(airlock(home, ['runs', '--json']).json.runs).toEqual([]);
    for (const folder of ['datasets', 'runs']) {
      const path = join(home, folder);
      expect(existsSync(path) ? readdirSync(path) : []).toEqual([]);
    }
  });
});
