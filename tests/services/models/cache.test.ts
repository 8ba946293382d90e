import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, symlinkSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { inspectModelFolder } from '../../../electron/services/models/inspect.ts';
import { nameForFolder } from '../../../electron/services/models/cache.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { tempDir } from '../../helpers/home.ts';
import { writeModelFolder } from '../../helpers/model-folder.ts';

async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    return (error as AirlockError).code;
  }
  throw new Error('expected an error');
}

describe('offline model cache', () => {
  let dir: ReturnType<typeof tempDir>;
  let services: Services | undefined;
  afterEach(() => {
    services?.close();
    services = undefined;
    dir.cleanup();
  });

  it('inspects a folder from config.json and the safetensors header', () => {
    dir = tempDir();
    const info = inspectModelFolder(writeModelFolder(join(dir.path, 'm')));
    expect(info).toMatchObject({ architecture: 'BertModel', modelType: 'bert', modality: 'text', parameters: 48, weightsFormat: 'safetensors', hasTokenizer: true, maxPositions: 64, needsClassificationHead: true, labels: [] });
    const withHead = inspectModelFolder(writeModelFolder(join(dir.path, 'h'), { head: true }));
    expect(withHead).toMatchObject({ needsClassificationHead: false, labels: ['neg', 'pos'] });
  });

  it('imports a Hugging Face cache snapshot whose files are symlinks, copying real files', async () => {
    dir = tempDir();
    const blobs = writeModelFolder(join(dir.path, 'hub', 'models--acme--tiny-bert', 'blobs'));
    const snapshot = join(dir.path, 'hub', 'models--acme--tiny-bert', 'snapshots', 'abc123');
    mkdirSync(snapshot, { recursive: true });
    for (const name of readdirSync(blobs)) symlinkSync(join(blobs, name), join(snapshot, name));
    services = await createServices(join(dir.path, 'home'));
    const model = await services.models.import(snapshot);
    expect(model.id).toBe('tiny-bert');
    expect(lstatSync(join(model.path, 'model.safetensors')).isSymbolicLink()).toBe(false);
    expect(services.models.list().map((m) => m.id)).toContain('tiny-bert');
    expect(services.models.resolveFolder('tiny-bert').folder).toBe(model.path);
    expect(nameForFolder(snapshot)).toBe('tiny-bert');
  });

  it('refuses folders without config.json or weights, and pickle weights unless allowed; nothing is left behind', async () => {
    dir = tempDir();
    services = await createServices(join(dir.path, 'home'));
    const noConfig = writeModelFolder(join(dir.path, 'no-config'), { config: false });
    expect(await codeOf(() => services!.models.import(noConfig))).toBe('MODEL_CONFIG_MISSING');
    const pickle = writeModelFolder(join(dir.path, 'pickle'), { pickle: true });
    expect(await codeOf(() => services!.models.import(pickle))).toBe('MODEL_WEIGHTS_UNSAFE');
    expect(await codeOf(() => services!.models.import(join(dir.path, 'missing')))).toBe('FILE_NOT_FOUND');
    const before = readdirSync(services.paths.models).sort();
    const allowed = await services.models.import(pickle, { allowPickle: true });
    expect(allowed.info.weightsFormat).toBe('pickle');
    expect(readdirSync(services.paths.models).sort()).toEqual([...before, 'pickle'].sort());
    expect(readdirSync(services.paths.staging)).toEqual([]);
    expect(await codeOf(async () => services!.models.get('nope'))).toBe('MODEL_NOT_FOUND');
  });

  it('seeds a fresh data folder with the bundled default model, by hard link', async () => {
    dir = tempDir();
    const bundled = join(dir.path, 'bundled');
    writeModelFolder(join(bundled, 'all-minilm-l6-v2'));
    process.env.AIRLOCK_BUNDLED_MODELS = bundled;
    try {
      services = await createServices(join(dir.path, 'home'));
    } finally {
      delete process.env.AIRLOCK_BUNDLED_MODELS;
    }
    const model = services.models.get('all-minilm-l6-v2');
    expect(existsSync(join(model.path, 'model.safetensors'))).toBe(true);
    expect(statSync(join(model.path, 'model.safetensors')).ino).toBe(statSync(join(bundled, 'all-minilm-l6-v2', 'model.safetensors')).ino);
  });
});
