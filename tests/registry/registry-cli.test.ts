import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { airlock, airlockInBackground, waitFor } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';
import { mountTmpfs, unmount } from '../helpers/tmpfs.ts';
import { verifyBundle } from '../../electron/services/export/verify.ts';

function writeConfig(dir: string, name: string, csv: string, deployment: Record<string, unknown>): string {
  return writeTinyRunConfig(join(dir, name), csv, { training: { max_epochs: 2 }, experiment: 'reviews', deployment });
}

describe('airlock register, registry, predict, export, verify and bundle import', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const usb = join(dir.path, 'usb');
  let csv: string;
  let runId: string;
  let bundle: string;
  beforeAll(() => {
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 30);
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
    const trained = airlock(home, ['train', writeConfig(dir.path, 'auto.yaml', csv, { register_model: true, stage: 'staging' }), '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    runId = trained.json.run.id;
    mkdirSync(usb);
  });
  afterAll(() => dir.cleanup());

  it('registers a run automatically when its config says deployment.register_model', () => {
    const listed = airlock(home, ['registry', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.json.models).toHaveLength(1);
    const [version] = listed.json.models[0].versions;
    expect(version).toMatchObject({ name: 'reviews', version: 1, runId, stage: 'staging' });
    expect(version.lineage).toMatchObject({ runId, baseModel: 'tiny', task: 'classification', labels: ['negative', 'positive'] });
    expect(version.lineage.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(version.lineage.metrics['val/accuracy']).toBeGreaterThanOrEqual(0);
  });

  it('returns the existing version when the same run is registered twice, and counts up for a new name', () => {
    const again = airlock(home, ['register', runId, '--name', 'reviews', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ existing: true, version: { version: 1 } });
    const other = airlock(home, ['register', runId, '--name', 'sentiment', '--stage', 'none', '--description', 'first try', '--json']);
    expect(other.json).toMatchObject({ existing: false, version: { name: 'sentiment', version: 1, description: 'first try' } });
    expect(airlock(home, ['registry', '--json']).json.models.map((model: { name: string }) => model.name)).toEqual(['reviews', 'sentiment']);
  });

  it('records every stage change with its time and resolves name@stage', () => {
    const before = Date.now();
    const promoted = airlock(home, ['registry', 'stage', 'reviews@1', 'production', '--json']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const history = promoted.json.version.stageHistory as { stage: string; at: string }[];
    expect(history.map((change) => change.stage)).toEqual(['staging', 'production']);
    expect(Date.parse(history[1].at)).toBeGreaterThanOrEqual(before - 1000);
    expect(airlock(home, ['registry', 'show', 'reviews@production', '--json']).json.version.version).toBe(1);
    const missing = airlock(home, ['registry', 'show', 'reviews@archived', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json.error.code).toBe('REGISTRY_MODEL_NOT_FOUND');
  });

  it('refuses to register a run that does not exist', () => {
    expect(airlock(home, ['register', 'no-such-run', '--name', 'x', '--json']).json.error.code).toBe('RUN_NOT_FOUND');
  });

  it('predicts texts and a file (column detected, progress shown) with label and probability', () => {
    const texts = airlock(home, ['predict', 'reviews@1', '--text', 'this product is amazing', '--text=-1 star, the package arrived broken', '--json']);
    expect(texts.code, texts.stderr).toBe(0);
    expect(texts.json.predictions.map((prediction: { text: string }) => prediction.text)).toEqual(['this product is amazing', '-1 star, the package arrived broken']);
    for (const prediction of texts.json.predictions) {
      expect(['negative', 'positive']).toContain(prediction.label);
      expect(prediction.probability).toBeGreaterThanOrEqual(0.5);
      expect(prediction.probability).toBeLessThanOrEqual(1);
    }
    const input = join(dir.path, 'to-score.jsonl');
    writeFileSync(input, ['the food was fresh and tasty', 'the waiter was rude', 'i loved this film'].map((review, id) => JSON.stringify({ id, review })).join('\n') + '\n');
    const out = join(dir.path, 'scored.jsonl');
    const file = airlock(home, ['predict', 'reviews@1', '--file', input, '--out', out]);
    expect(file.code, file.stderr).toBe(0);
    expect(file.stderr).toMatch(/Predicting 100%/);
    expect(file.stdout).toMatch(/Predicted 3 rows \(text column "review"\)/);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((row) => row.id)).toEqual([0, 1, 2]);
    for (const row of rows) {
      expect(['negative', 'positive']).toContain(row.predicted_label);
      expect(row.probability).toBeGreaterThan(0);
    }
    const badOut = airlock(home, ['predict', 'reviews@1', '--file', input, '--out', join(dir.path, 'scored.txt'), '--json']);
    expect(badOut.json.error.code).toBe('INVALID_INPUT');
  });

  it('exports a bundle that verifies: MLflow model with safetensors, model card, manifest', () => {
    const exported = airlock(home, ['export', 'reviews@1', '--to', usb, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    bundle = join(usb, 'reviews-v1');
    expect(exported.json.bundle).toMatchObject({ path: bundle, model: { name: 'reviews', version: 1, runId } });
    expect(readdirSync(usb)).toEqual(['reviews-v1']); // no temporary folder left
    for (const file of ['MLmodel', 'README.md', 'manifest.json', 'model/model.safetensors', 'model/config.json', 'components/tokenizer/tokenizer.json']) {
      expect(existsSync(join(bundle, file)), file).toBe(true);
    }
    const mlmodel = readFileSync(join(bundle, 'MLmodel'), 'utf8');
    expect(mlmodel).toMatch(/^ {2}python_function:/m);
    expect(mlmodel).toMatch(/^ {2}transformers:/m);
    const card = readFileSync(join(bundle, 'README.md'), 'utf8');
    expect(card).toContain(runId);
    expect(card).toMatch(/Training data SHA-256: [0-9a-f]{64}/);
    expect(card).toContain('val/accuracy');
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((file: { path: string }) => file.path)).toContain('README.md');
    const verified = airlock(home, ['verify', bundle, '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json.bundle.files).toBe(manifest.files.length);
    const again = airlock(home, ['export', 'reviews@1', '--to', usb, '--json']);
    expect(again.json.error.code).toBe('EXPORT_TARGET_EXISTS');
    expect(again.json.error.hint).toBe(`Check it with \`airlock verify "${bundle}"\`, or export again with --replace.`);
  });

  it('replaces an earlier export with --replace, with relative paths taken from the folder the command was run in', () => {
    const before = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    // Run from the checkout, as `npm run airlock` does, with the user's folder in INIT_CWD.
    const fromUser = { env: { INIT_CWD: dir.path } };
    const replaced = airlock(home, ['export', 'reviews@1', '--to', 'usb', '--replace', '--json'], fromUser);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.json.bundle.path).toBe(bundle);
    expect(readdirSync(usb)).toEqual(['reviews-v1']); // neither the old copy nor a temporary folder is left
    const after = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    expect(after.createdAt).not.toBe(before.createdAt);
    expect(airlock(home, ['verify', join('usb', 'reviews-v1'), '--json'], fromUser).json.bundle.path).toBe(bundle);

    // A same-named folder that is not an Airlock bundle is never replaced.
    const other = join(dir.path, 'other');
    mkdirSync(join(other, 'reviews-v1'), { recursive: true });
    writeFileSync(join(other, 'reviews-v1', 'notes.txt'), 'mine');
    const refused = airlock(home, ['export', 'reviews@1', '--to', 'other', '--replace', '--json'], fromUser);
    expect(refused.json.error.code).toBe('EXPORT_TARGET_EXISTS');
    expect(refused.json.error.message).toContain('is not an Airlock bundle');
    expect(readdirSync(other)).toEqual(['reviews-v1']);
    expect(readFileSync(join(other, 'reviews-v1', 'notes.txt'), 'utf8')).toBe('mine');

    const predicted = airlock(home, ['predict', 'reviews@1', '--file', 'to-score.jsonl', '--out', 'scored-here.jsonl', '--json'], fromUser);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.json.out).toBe(join(dir.path, 'scored-here.jsonl'));
    expect(readFileSync(join(dir.path, 'scored-here.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('imports a verified bundle into the model cache and refuses a tampered one, naming the bad file', () => {
    const imported = airlock(home, ['models', 'import', bundle, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.model).toMatchObject({ id: 'reviews-v1', sourcePath: bundle, info: { weightsFormat: 'safetensors', hasTokenizer: true, labels: ['negative', 'positive'] } });

    const tampered = join(dir.path, 'tampered', 'reviews-v1');
    cpSync(bundle, tampered, { recursive: true });
    const weights = join(tampered, 'model', 'model.safetensors');
    const bytes = readFileSync(weights);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(weights, bytes);
    const refused = airlock(home, ['models', 'import', tampered, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'BUNDLE_FILE_CHANGED', field: 'model/model.safetensors' });
    expect(refused.json.error.message).toContain('model/model.safetensors');
    expect(airlock(home, ['verify', tampered, '--json']).json.error.code).toBe('BUNDLE_FILE_CHANGED');
    expect(airlock(home, ['models', '--json']).json.models.map((model: { id: string }) => model.id)).not.toContain('reviews-v1-2');
  });

  // Where mounting is impossible (not root, no CAP_SYS_ADMIN) these report as skipped, never as passed.
  it('refuses, before writing anything, to export to a file system too small for the bundle', (context) => {
    const small = join(dir.path, 'small');
    const cannot = mountTmpfs(small, '64k');
    if (cannot) context.skip(`cannot mount a tmpfs here (${cannot}); the space check itself is covered in verify.test.ts`);
    try {
      const result = airlock(home, ['export', 'reviews@1', '--to', small, '--json']);
      expect(result.code).toBe(1);
      expect(result.json.error.code).toBe('EXPORT_NO_SPACE');
      expect(result.json.error.message).toMatch(/needs about .* MiB but .* has only/);
      expect(readdirSync(small)).toEqual([]);
    } finally {
      unmount(small);
    }
  });

  it('leaves nothing that verifies when the exporting process is killed mid-write, and removes the litter at the next start', async () => {
    const target = join(dir.path, 'killed');
    mkdirSync(target);
    process.env.AIRLOCK_EXPORT_TEST_FILE_DELAY_MS = '1500';
    const exporting = airlockInBackground(home, ['export', 'reviews@1', '--to', target, '--json']);
    delete process.env.AIRLOCK_EXPORT_TEST_FILE_DELAY_MS;
    // Wait until MLflow's files are written and the exporter is flushing them one by one.
    const temp = await waitFor(() => {
      const name = readdirSync(target).find((entry) => entry.startsWith('.airlock-export-'));
      return name && existsSync(join(target, name, 'README.md')) ? join(target, name) : null;
    }, 90_000, 'the export to start flushing files');
    exporting.child.kill('SIGKILL');
    await exporting.finished;
    expect(existsSync(join(target, 'reviews-v1'))).toBe(false);
    // Checked in-process: any CLI start would already clean the litter up.
    await expect(verifyBundle(temp)).rejects.toMatchObject({ code: 'BUNDLE_MANIFEST_MISSING' });
    expect(readdirSync(temp)).toContain('MLmodel'); // it really was killed mid-write
    expect(airlock(home, ['registry', '--json']).code).toBe(0); // any start cleans up
    expect(readdirSync(target)).toEqual([]);
  });
});
