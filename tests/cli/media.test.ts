/**
 * Images and audio end to end through the CLI: a folder of class subfolders imports, trains a tiny model that
 * beats chance, predicts single files and a whole folder, and exports a verified bundle that MLflow loads and
 * that predicts from file paths.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { makeMediaFolder, tinyMediaModelPath } from '../helpers/media.ts';

const CASES = [
  { kind: 'image', maker: 'colours', model: 'vit', options: ['--per-class', '24', '--size', '32'], file: 'red/red_0003.png', label: 'red' },
  { kind: 'audio', maker: 'tones', model: 'wav2vec2', options: ['--per-class', '24', '--seconds', '0.5', '--splits'], file: 'train/high/high_0002.wav', label: 'high' },
] as const;

describe('image and audio folders through the CLI', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  for (const media of CASES) {
    it(`${media.kind}: import, train, predict, export, load in MLflow`, () => {
      const home = join(dir.path, `home-${media.kind}`);
      const folder = makeMediaFolder(media.maker, join(dir.path, media.maker), media.options);
      const imported = airlock(home, ['import', folder, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      const dataset = imported.json.dataset;
      expect(dataset.detection.modality).toBe(media.kind);
      expect(dataset.detection.labels).toHaveLength(3);

      expect(airlock(home, ['models', 'import', tinyMediaModelPath(media.model), '--name', 'tiny', '--json']).code).toBe(0);
      const config = join(dir.path, `${media.kind}.yaml`);
      writeFileSync(config, stringify({
        model: { name: 'tiny', task: 'classification' },
        data: { train_path: dataset.id, text_column: 'file', label_column: 'label', val_split: 0.25 },
        training: { max_epochs: 4, batch_size: 16, learning_rate: 3e-3, precision: '32-true', seed: 1 },
        experiment: { name: `media-${media.kind}` },
      }));
      const trained = airlock(home, ['train', config, '--json'], { env: { OMP_NUM_THREADS: '1' } });
      expect(trained.code, trained.stderr).toBe(0);
      const run = trained.json.run;
      // three classes: chance is 1/3; the easy synthetic task is learnt well past it
      expect(run.metrics['val/accuracy']).toBeGreaterThan(0.8);
      // the tones come in split folders: validation/ is the validation data and test/ is scored after training
      if (media.kind === 'audio') expect(run.metrics['test/accuracy']).toBeGreaterThan(0.8);

      expect(airlock(home, ['register', run.id, '--name', media.kind, '--json']).code).toBe(0);
      const single = airlock(home, ['predict', `${media.kind}@1`, '--file', join(folder, media.file), '--json']);
      expect(single.code, single.stderr).toBe(0);
      expect(single.json.predictions[0].prediction.label).toBe(media.label);

      if (media.kind === 'image') {
        const text = airlock(home, ['predict', 'image@1', '--text', 'hello', '--json']);
        expect(text.code).toBe(1);
        expect(text.json.error.code).toBe('MODEL_MODALITY_MISMATCH');
        const jsonl = airlock(home, ['predict', 'image@1', '--folder', folder, '--out', join(dir.path, 'p.jsonl'), '--json']);
        expect(jsonl.json.error.code).toBe('INVALID_INPUT');
        const fake = join(dir.path, 'fake.png');
        writeFileSync(fake, 'not a picture');
        const unreadable = airlock(home, ['predict', 'image@1', '--file', fake, '--file', join(folder, media.file), '--json']);
        expect(unreadable.code).toBe(1); // a script can tell that a file was not predicted
        expect(unreadable.json.predictions.map((entry: { error: { code: string } | null }) => entry.error?.code ?? null)).toEqual(['MEDIA_UNREADABLE', null]);
      }

      const out = join(dir.path, `${media.kind}-predictions.csv`);
      const whole = airlock(home, ['predict', `${media.kind}@1`, '--folder', folder, '--out', out, '--json']);
      expect(whole.code, whole.stderr).toBe(0);
      expect(whole.json.files).toBe(dataset.rows);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('file,predicted_label,probability,low_confidence,error');
      const correct = lines.slice(1).filter((line) => line.split('/')[media.kind === 'audio' ? 1 : 0] === line.split(',')[1]).length;
      expect(correct / (lines.length - 1)).toBeGreaterThan(0.8);

      const usb = join(dir.path, `usb-${media.kind}`);
      mkdirSync(usb);
      const exported = airlock(home, ['export', `${media.kind}@1`, '--to', usb, '--json']);
      expect(exported.code, exported.stderr).toBe(0);
      const bundle = exported.json.bundle?.path ?? exported.json.path ?? join(usb, `${media.kind}-v1`);
      const script = `import mlflow, sys\nm = mlflow.pyfunc.load_model(sys.argv[1])\nprint(m.predict([sys.argv[2]]).to_json(orient="records"))`;
      const loaded = spawnSync(join('.venv', 'bin', 'python'), ['-c', script, bundle, join(folder, media.file)], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: '1' } });
      expect(loaded.status, loaded.stderr).toBe(0);
      expect(loaded.stdout).toContain(`"${media.label}"`);
      expect(readFileSync(join(bundle, 'README.md'), 'utf8')).toContain(media.kind === 'image' ? 'picture.png' : 'clip.wav');
    });
  }
});
