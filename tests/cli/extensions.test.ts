import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { airlock } from '../helpers/cli.ts';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../helpers/tiny-model.ts';
import { metricHistory } from '../helpers/mlflow-server.ts';
import { remoteRunOf, useSyncFixture } from '../sync/helpers.ts';

const CHECKS = `
import os
import lightning.pytorch as pl


class EpochFile(pl.Callback):
    def __init__(self, folder, fail_at_epoch=None):
        self.folder, self.fail_at_epoch = folder, fail_at_epoch

    def on_train_epoch_end(self, trainer, pl_module):
        os.makedirs(self.folder, exist_ok=True)
        open(os.path.join(self.folder, f"epoch-{trainer.current_epoch}.txt"), "w").write("ok")

    def on_train_epoch_start(self, trainer, pl_module):
        if self.fail_at_epoch is not None and trainer.current_epoch >= self.fail_at_epoch:
            raise RuntimeError("compliance check failed")
`;

const METRICS = `
def share_negative(preds, labels, label_names):
    return float((preds == label_names.index("negative")).float().mean())
`;

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('user code in a run, from the CLI: copies, lineage, history, MLflow, resume', () => {
  const fixture = useSyncFixture('airlock-extensions-');
  let home: string;
  let csv: string;
  let folder: string;

  /** A config in `folder` naming the code by paths relative to it. */
  function writeConfig(name: string, training: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
    const config = { allow_custom_code: true, ...tinyRunConfig(csv, { training, experiment: 'extensions' }), ...extra };
    const path = join(folder, name);
    writeFileSync(path, stringify(config));
    return path;
  }

  it('copies the code into the run, records its hashes, and its metric reaches history and MLflow', async () => {
    home = fixture.services.paths.root;
    folder = join(fixture.dir, 'project');
    mkdirSync(join(folder, 'ext'), { recursive: true });
    writeFileSync(join(folder, 'ext', 'checks.py'), CHECKS);
    writeFileSync(join(folder, 'ext', 'metrics.py'), METRICS);
    csv = writeSentimentCsv(join(fixture.dir, 'reviews.csv'), 20);
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
    const epochs = join(fixture.dir, 'epochs');
    const config = writeConfig('run.yaml', { max_epochs: 2, callbacks: [{ path: 'ext/checks.py:EpochFile', args: { folder: epochs } }] }, {
      evaluation: { metrics: ['ext/metrics.py:share_negative'] },
    });
    const result = airlock(home, ['train', config, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const runId = result.json.run.id as string;
    expect(readdirSync(epochs).sort()).toEqual(['epoch-0.txt', 'epoch-1.txt']);

    const run = airlock(home, ['runs', 'show', runId, '--json']).json.run;
    const curves = run.curves as { key: string; value: number }[];
    const code = run.details.code as { field: string; path: string; sha256: string; source: string }[];
    expect(code.map((entry) => entry.field)).toEqual(['training.callbacks[0]', 'evaluation.metrics[0]']);
    for (const entry of code) {
      const copy = join(run.runDir, entry.path.slice(0, entry.path.lastIndexOf(':')));
      expect(existsSync(copy)).toBe(true);
      expect(entry.sha256).toBe(sha256(copy));
      expect(entry.sha256).toBe(sha256(entry.source));
      expect(entry.source).toBe(resolve(folder, 'ext', entry.path.includes('checks') ? 'checks.py' : 'metrics.py'));
    }
    const recorded = parse(readFileSync(join(run.runDir, 'config.yaml'), 'utf8'));
    expect(recorded.training.callbacks[0]).toMatchObject({ path: 'extensions/checks.py:EpochFile', sha256: code[0].sha256 });
    const points = curves.filter((point) => point.key === 'val/share_negative');
    expect(points.length).toBe(2);
    expect(run.metrics['val/share_negative']).toBeGreaterThanOrEqual(0);

    const preview = airlock(home, ['config', 'preview', config, '--json']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.json.rows[0].preprocessed).toBe(preview.json.rows[0].text);

    const report = await fixture.services.sync.syncNow({});
    expect(report.synced).toContain(`run:${runId}`);
    const remote = await remoteRunOf(fixture.server, 'extensions', runId);
    const tags = Object.fromEntries((remote.data.tags as { key: string; value: string }[]).map((tag) => [tag.key, tag.value]));
    expect(tags['airlock.code.training.callbacks.0']).toBe(`checks.py:EpochFile sha256:${code[0].sha256}`);
    expect(tags['airlock.code.evaluation.metrics.0']).toBe(`metrics.py:share_negative sha256:${code[1].sha256}`);
    const history = await metricHistory(fixture.server, remote.info.run_id, 'val/share_negative');
    expect(history.map((point) => point.value)).toEqual(points.map((point) => point.value));
  }, 300_000);

  it('a failure in the code is EXTENSION_FAILED, and a resume runs the recorded copy, not the edited file', () => {
    const checks = join(folder, 'ext', 'checks.py');
    const config = writeConfig('failing.yaml', { max_epochs: 3, callbacks: [{ path: 'ext/checks.py:EpochFile', args: { folder: join(fixture.dir, 'e2'), fail_at_epoch: 1 } }] });
    const failed = airlock(home, ['train', config, '--json']);
    expect(failed.code).toBe(1);
    expect(failed.json.run.status).toBe('failed');
    expect(failed.json.run.error).toMatchObject({ code: 'EXTENSION_FAILED', field: 'training.callbacks[0]' });
    expect(failed.json.run.error.message).toContain('compliance check failed');
    expect(failed.json.run.error.message).toContain('checks.py');

    writeFileSync(checks, CHECKS.replace('raise RuntimeError("compliance check failed")', 'pass'));
    const resumed = airlock(home, ['resume', failed.json.run.id, '--json']);
    expect(resumed.code).toBe(1);
    expect(resumed.json.run.error).toMatchObject({ code: 'EXTENSION_FAILED' });
    expect(resumed.json.run.error.message).toContain('compliance check failed');
  }, 300_000);

  it('refuses a config naming code without allow_custom_code, naming the field, and starts no run', () => {
    const before = airlock(home, ['runs', '--json']).json.runs.length;
    const config = writeConfig('no-consent.yaml', { max_epochs: 1 }, { allow_custom_code: false, evaluation: { metrics: ['ext/metrics.py:share_negative'] } });
    const result = airlock(home, ['train', config, '--json']);
    expect(result.code).not.toBe(0);
    expect(result.json.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(result.json.error.details.join(' ')).toContain('evaluation.metrics[0]: names your own code (');
    expect(result.json.error.details.join(' ')).toContain('allow_custom_code: true');
    expect(airlock(home, ['runs', '--json']).json.runs.length).toBe(before);
  });
});
