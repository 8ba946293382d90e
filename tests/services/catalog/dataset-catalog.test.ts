import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { DatasetTable } from '../../../electron/services/store/records.ts';
import { tempDir } from '../../helpers/home.ts';
import { writeSentimentCsv } from '../../helpers/tiny-model.ts';

describe('the dataset catalog and its canonical tables', () => {
  const dir = tempDir();
  let services: Services;
  let csv: string;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 12);
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  it('keeps the original untouched beside the table it wrote, and finds the dataset again by its table path', async () => {
    const { dataset } = await services.datasets.import(csv);
    expect(dataset.dataPath.endsWith('table.jsonl')).toBe(true);
    expect(readdirSync(dirname(dataset.dataPath)).sort()).toEqual(['original.csv', 'table.jsonl', 'table.schema.json']);
    // A resolved config names the table: resolving it returns the stored dataset, never a second import.
    expect((await services.datasets.resolve(dataset.dataPath)).id).toBe(dataset.id);
    expect(services.datasets.list()).toHaveLength(1);
  });

  it('writes the table of a dataset imported before tables existed, from its stored original', async () => {
    const { dataset } = await services.datasets.import(csv);
    const folder = dirname(dataset.dataPath);
    rmSync(join(folder, 'table.jsonl'));
    rmSync(join(folder, 'table.schema.json'));
    const old = { ...dataset, dataPath: join(folder, 'original.csv') };
    new DatasetTable(services.db).update(old);
    const upgraded = await services.datasets.resolve(dataset.id);
    expect(upgraded.dataPath).toBe(join(folder, 'table.jsonl'));
    expect(existsSync(join(folder, 'table.schema.json'))).toBe(true);
    expect(services.datasets.get(dataset.id).dataPath).toBe(upgraded.dataPath);
    expect(upgraded.detection.labels).toEqual(dataset.detection.labels);
  });
});
