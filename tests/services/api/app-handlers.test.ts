import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';
import { tempDir } from '../../helpers/home.ts';

let home: ReturnType<typeof tempDir>;
let services: Services;
let api: Api;
beforeAll(async () => {
  home = tempDir();
  services = await createServices(join(home.path, 'home'));
  api = createApi(services);
});
afterAll(() => {
  services.close();
  home.cleanup();
});

const CONFIG = { data: { train_path: 'ds-x', text_column: 'text', label_column: 'label' }, training: { max_epochs: 2 } };

describe('app API calls', () => {
  it('config.toYaml writes commented YAML that config.parseYaml reads back to the same config', async () => {
    const written = await api.call('config.toYaml', { config: CONFIG });
    expect(written.ok).toBe(true);
    if (!written.ok) return;
    expect(written.data.yaml).toContain('# Passes over the training data.');
    const read = await api.call('config.parseYaml', { yaml: written.data.yaml });
    expect(read.ok && read.data.config.training.max_epochs).toBe(2);
    expect(read.ok && read.data.config.data.text_column).toBe('text');
  });

  it('config.parseYaml names the field and what it allows, and the line of a YAML syntax error', async () => {
    const invalid = await api.call('config.parseYaml', { yaml: 'data: {train_path: x, text_column: t, label_column: l}\ntraining:\n  learning_rate: 7\n' });
    expect(invalid.ok).toBe(false);
    if (invalid.ok) return;
    expect(invalid.error.code).toBe('CONFIG_INVALID');
    expect(invalid.error.field).toBe('training.learning_rate');
    expect(invalid.error.message).toMatch(/training\.learning_rate: .*<=1/);
    const broken = await api.call('config.parseYaml', { yaml: 'data:\n  train_path: [unclosed\n' });
    expect(!broken.ok && broken.error.code).toBe('CONFIG_YAML_INVALID');
    expect(!broken.ok && broken.error.message).toMatch(/line \d/);
    const list = await api.call('config.parseYaml', { yaml: '- a\n- b\n' });
    expect(!list.ok && list.error.code).toBe('CONFIG_INVALID');
  });

  it('config.toYaml refuses an invalid config naming the field', async () => {
    const result = await api.call('config.toYaml', { config: { ...CONFIG, training: { batch_size: 0 } } });
    expect(!result.ok && result.error.field).toBe('training.batch_size');
  });

  it('datasets.setColumns re-runs detection over the stored file with the chosen columns, and refuses unusable ones', async () => {
    const lines = ['text,sentiment,topic,score'];
    for (let i = 0; i < 30; i++) lines.push(`"row ${i} says something ${i * 3}",${i % 2 ? 'pos' : 'neg'},${['a', 'b', 'c'][i % 3]},${(i * 0.37).toFixed(2)}`);
    const file = join(home.path, 'two.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const imported = await api.call('datasets.import', { path: file });
    if (!imported.ok) throw new Error(imported.error.message);
    const { id } = imported.data.dataset;

    const topic = await api.call('datasets.setColumns', { id, textColumn: 'text', labelColumn: 'topic' });
    expect(topic.ok && topic.data.dataset.detection.labels.map((label) => label.label).sort()).toEqual(['a', 'b', 'c']);
    const stored = await api.call('datasets.get', { id });
    expect(stored.ok && stored.data.dataset.detection.labelColumn).toBe('topic');
    const score = await api.call('datasets.setColumns', { id, textColumn: 'text', labelColumn: 'score' });
    expect(score.ok && score.data.dataset.detection.task).toBe('regression');

    const missing = await api.call('datasets.setColumns', { id, textColumn: 'text', labelColumn: 'nope' });
    expect(!missing.ok && missing.error).toMatchObject({ code: 'DATASET_COLUMN_MISSING', field: 'labelColumn' });
    const same = await api.call('datasets.setColumns', { id, textColumn: 'text', labelColumn: 'text' });
    expect(!same.ok && same.error.field).toBe('labelColumn');
    const numericText = await api.call('datasets.setColumns', { id, textColumn: 'score', labelColumn: 'topic' });
    expect(!numericText.ok && numericText.error).toMatchObject({ code: 'DATASET_NO_TEXT_COLUMN', field: 'textColumn' });
    const unknown = await api.call('datasets.setColumns', { id: 'ds-none', textColumn: 'text', labelColumn: 'topic' });
    expect(!unknown.ok && unknown.error.code).toBe('DATASET_NOT_FOUND');
    // A refused choice leaves the stored detection as it was.
    const after = await api.call('datasets.get', { id });
    expect(after.ok && after.data.dataset.detection.labelColumn).toBe('score');
  });
});
