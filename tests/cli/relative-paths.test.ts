import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createApi } from '../../electron/services/api/handlers.ts';
import { createServices, type Services } from '../../electron/services/index.ts';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';

// `npm run airlock` starts the command in the checkout; the user's folder is in INIT_CWD. Every path argument
// must mean a file in the user's folder, not in the checkout. The tests run the CLI from the checkout (the
// working folder of this test run), exactly as npm does.

describe('relative paths on the command line are taken from the folder the user ran it in', () => {
  const dir = tempDir('airlock-relative-');
  const home = join(dir.path, 'home');
  const work = join(dir.path, 'work');
  const fromUser = { env: { INIT_CWD: work } };
  beforeAll(() => {
    mkdirSync(work);
    writeSentimentCsv(join(work, 'reviews.csv'));
    writeSentimentCsv(join(work, 'more.csv'), 10);
    cpSync(tinyModelPath(), join(work, 'tiny-model'), { recursive: true });
  });
  afterAll(() => dir.cleanup());

  it('through the real `npm run airlock` started in the user folder: import reviews.csv', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_HOME: home };
    delete env.INIT_CWD; // npm sets it to the folder it is started in
    const result = spawnSync('npm', ['--prefix', process.cwd(), 'run', '--silent', 'airlock', '--', 'import', 'reviews.csv', '--json'], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).dataset.sourcePath).toBe(join(work, 'reviews.csv'));
  });

  it('models import <folder>, config <file> --out <file>, and a config whose data path is relative', () => {
    const model = airlock(home, ['models', 'import', 'tiny-model', '--name', 'tiny', '--json'], fromUser);
    expect(model.code, model.stderr).toBe(0);
    expect(model.json.model.sourcePath).toBe(join(work, 'tiny-model'));

    const config = airlock(home, ['config', 'reviews.csv', '--model', 'tiny', '--out', 'run.yaml', '--json'], fromUser);
    expect(config.code, config.stderr).toBe(0);
    expect(config.json.path).toBe(join(work, 'run.yaml'));
    expect(existsSync(join(work, 'run.yaml'))).toBe(true);
    expect(existsSync(join(process.cwd(), 'run.yaml'))).toBe(false);

    // train <config> finds the file, and the config's relative train_path is read from the same folder: the run
    // stops at the column check, after the file was found and imported, before any training.
    writeFileSync(join(work, 'wrong-column.yaml'), stringify({ model: { name: 'tiny' }, data: { train_path: 'more.csv', text_column: 'nope', label_column: 'sentiment' } }));
    const train = airlock(home, ['train', 'wrong-column.yaml', '--json'], fromUser);
    expect(train.code).toBe(1);
    expect(train.json.error.message).toContain('nope');
    const datasets = airlock(home, ['datasets', '--json']).json.datasets as { sourcePath: string }[];
    expect(datasets.map((dataset) => dataset.sourcePath).sort()).toEqual([join(work, 'more.csv'), join(work, 'reviews.csv')]);
  });

  it('names the full path it looked at when a relative one is missing', () => {
    const missing = airlock(home, ['train', 'missing.yaml', '--json'], fromUser);
    expect(missing.json.error.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.json.error.message).toContain(join(work, 'missing.yaml'));
    const verify = airlock(home, ['verify', 'no-bundle', '--json'], fromUser);
    expect(verify.json.error.code).toBe('FILE_NOT_FOUND');
    expect(verify.json.error.message).toContain(join(work, 'no-bundle'));
    const predicted = airlock(home, ['predict', 'nothing@1', '--file', 'x.csv', '--out', 'y.csv', '--json'], fromUser);
    expect(predicted.json.error.code).toBe('REGISTRY_MODEL_NOT_FOUND'); // the paths were accepted as the user's
  });
});

describe('the app refuses a relative path instead of reading it from its install folder', () => {
  const dir = tempDir('airlock-relative-app-');
  let services: Services;
  let models: number;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    models = services.models.list().length; // the bundled default model
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  it.each([
    ['export.target', { model: 'reviews@1', to: 'resources' }, 'EXPORT_TARGET_INVALID', 'The export folder "resources" is not a full path.', 'Type a full path such as /media/usb.'],
    ['export.bundle', { model: 'reviews@1', to: 'resources' }, 'EXPORT_TARGET_INVALID', 'The export folder "resources" is not a full path.', 'Type a full path such as /media/usb.'],
    ['export.verify', { path: 'resources/models' }, 'INVALID_INPUT', 'The bundle folder "resources/models" is not a full path.', 'Type a full path such as /media/usb/tickets-v1.'],
    ['datasets.import', { path: 'package.json' }, 'INVALID_INPUT', 'The file "package.json" is not a full path.', 'Type a full path such as /media/usb/tickets.csv.'],
    ['models.import', { path: 'resources/models/all-minilm-l6-v2' }, 'INVALID_INPUT', 'The model folder "resources/models/all-minilm-l6-v2" is not a full path.', 'Type a full path such as /media/usb/my-model.'],
  ] as const)('%s', async (name, input, code, message, hint) => {
    // Each of these names something that does exist relative to the checkout, where the app runs.
    expect(existsSync('to' in input ? input.to : input.path)).toBe(true);
    const result = await createApi(services).call(name, input as never);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code, message, hint });
    expect(services.datasets.list()).toEqual([]);
    expect(services.models.list()).toHaveLength(models);
  });
});
