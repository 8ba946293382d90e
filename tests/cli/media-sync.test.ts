/**
 * An image run reaches a real MLflow server exactly as a text run does: its metric history, its tags (the
 * dataset's content hash), and its model with the image processor, so the synced model can be used elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { airlock } from '../helpers/cli.ts';
import { metricHistory, mlflowRest } from '../helpers/mlflow-server.ts';
import { makeMediaFolder, tinyMediaModelPath } from '../helpers/media.ts';
import { remoteRunOf, useSyncFixture } from '../sync/helpers.ts';

describe('an image run syncs to MLflow', () => {
  const fixture = useSyncFixture('airlock-media-sync-');

  it('sends its metrics, tags and model (with the image processor)', async () => {
    const home = fixture.services.paths.root;
    const folder = makeMediaFolder('colours', join(fixture.dir, 'colours'), ['--per-class', '10', '--size', '32']);
    const imported = airlock(home, ['import', folder, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(airlock(home, ['models', 'import', tinyMediaModelPath('vit'), '--name', 'tiny-vit', '--json']).code).toBe(0);
    const config = join(fixture.dir, 'run.yaml');
    writeFileSync(config, stringify({
      model: { name: 'tiny-vit', task: 'classification' },
      data: { train_path: imported.json.dataset.id, text_column: 'file', label_column: 'label', val_split: 0.3 },
      training: { max_epochs: 2, batch_size: 8, learning_rate: 3e-3, precision: '32-true' },
      experiment: { name: 'pictures' },
    }));
    const trained = airlock(home, ['train', config, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const runId = trained.json.run.id as string;

    const report = await fixture.services.sync.syncNow({});
    expect(report.synced).toContain(`run:${runId}`);
    const remote = await remoteRunOf(fixture.server, 'pictures', runId);
    expect(remote.info.status).toBe('FINISHED');
    const tags = Object.fromEntries((remote.data.tags as { key: string; value: string }[]).map((tag) => [tag.key, tag.value]));
    expect(tags['airlock.dataset_fingerprint']).toBe(`sha256:${imported.json.dataset.sha256}`);
    const history = await metricHistory(fixture.server, remote.info.run_id, 'val/accuracy');
    expect(history).toHaveLength(2);
    const listed = await mlflowRest(fixture.server, 'GET', 'artifacts/list', { run_id: remote.info.run_id, path: 'model' });
    const names = (listed.files as { path: string }[]).map((file) => file.path.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'preprocessor_config.json']));
  }, 300_000);
});
