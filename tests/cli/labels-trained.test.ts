/**
 * What the user sees is what is trained: for the handed files, `airlock runs show` reports under
 * details.labels the labels the model was trained with, and under details.label_counts their training
 * rows, equal to the labels and counts `airlock import` showed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';

const CASES = join(import.meta.dirname, '../../../shared/cases/one-reading');

describe('airlock runs show: the labels trained are the labels import showed', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  beforeAll(() => {
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
  });
  afterAll(() => dir.cleanup());

  for (const file of ['03-float-string-labels.csv', '05-python-list-multilabel.csv', '02-json-array-tickets.json']) {
    it(file, () => {
      const imported = airlock(home, ['import', join(CASES, file), '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      const { id, detection } = imported.json.dataset;
      const config = join(dir.path, `${file}.yaml`);
      writeFileSync(
        config,
        stringify({
          model: { name: 'tiny', task: detection.task },
          data: { train_path: id, text_column: detection.textColumn, label_column: detection.labelColumn, max_length: 16, val_split: 0.2 },
          training: { max_epochs: 1, max_steps: 1, batch_size: 8, precision: '32-true' },
          experiment: { name: 'labels-trained' },
        }),
      );
      const trained = airlock(home, ['train', config, '--json']);
      expect(trained.code, trained.stderr).toBe(0);
      const run = airlock(home, ['runs', 'show', trained.json.run.id, '--json']).json.run;
      expect(run.details.label_counts).toEqual(detection.labels);
      expect([...run.details.labels].sort()).toEqual(detection.labels.map((entry: { label: string }) => entry.label).sort());
    });
  }
});
