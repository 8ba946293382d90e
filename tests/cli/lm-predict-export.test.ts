import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { addLmRun } from '../helpers/lm-run.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { createServices } from '../../electron/services/index.ts';
import { createApi } from '../../electron/services/api/handlers.ts';
import type { Notice } from '../../schemas/api.ts';

const PROMPT = 'Translate to French: cat';

describe('a LoRA-tuned language model: register, predict --prompt, export adapter and merged, verify, import', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const bare = join(dir.path, 'bare'); // a second machine whose cache lacks the base model
  const usb = join(dir.path, 'usb');
  let modelDir: string;
  beforeAll(() => {
    expect(airlock(home, ['models', 'import', tinyModelPath('llama'), '--name', 'tiny-llama', '--json']).code).toBe(0);
    modelDir = addLmRun(home, { runId: 'run-lora', baseId: 'tiny-llama', basePath: tinyModelPath('llama'), method: 'lora' });
    mkdirSync(usb);
  });
  afterAll(() => dir.cleanup());

  it('registers the run: the version points at the adapter folder and records its base model', () => {
    const registered = airlock(home, ['register', 'run-lora', '--name', 'assistant', '--json']);
    expect(registered.code, registered.stderr).toBe(0);
    const { version } = registered.json;
    expect(version.lineage).toMatchObject({ task: 'causal_lm', baseModel: 'tiny-llama' });
    expect(version.modelDir).toBe(modelDir);
    expect(existsSync(join(version.modelDir, 'adapter_model.safetensors'))).toBe(true);
    expect(existsSync(join(version.modelDir, 'model.safetensors'))).toBe(false); // the base is not copied
  });

  it('answers --prompt on stdout, the same text as --json gives, and refuses --text', () => {
    const streamed = airlock(home, ['predict', 'assistant@1', '--prompt', PROMPT, '--max-new-tokens', '6']);
    expect(streamed.code, streamed.stderr).toBe(0);
    const json = airlock(home, ['predict', 'assistant@1', '--prompt', PROMPT, '--max-new-tokens', '6', '--temperature', '0', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const [answer] = json.json.answers;
    expect(answer).toMatchObject({ prompt: PROMPT });
    expect(answer.text.trim()).not.toBe('');
    expect(answer.tokens).toBeGreaterThan(0);
    expect(streamed.stdout).toBe(`${answer.text}\n`);
    const labelled = airlock(home, ['predict', 'assistant@1', '--text', PROMPT, '--json']);
    expect(labelled.code).toBe(2);
    expect(labelled.json.error.code).toBe('INVALID_INPUT');
    expect(labelled.json.error.hint).toContain('--prompt');
  });

  it('streams the answer through the API as generate notices, piece by piece, before the call returns', async () => {
    const services = await createServices(home);
    const api = createApi(services);
    const pieces: string[] = [];
    const unsubscribe = api.subscribe((notice: Notice) => {
      if (notice.kind === 'generate' && notice.id === 'try-1') pieces.push(notice.text);
    });
    try {
      const result = await api.call('predict.generate', { target: { model: 'assistant@1' }, prompt: PROMPT, maxNewTokens: 6, temperature: 0, requestId: 'try-1' });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe(result.data.answer.text);
      const empty = await api.call('predict.generate', { target: { model: 'assistant@1' }, prompt: '', maxNewTokens: 6, temperature: 0, requestId: 'try-2' });
      expect(!empty.ok && empty.error.code).toBe('INVALID_INPUT');
    } finally {
      unsubscribe();
      await services.predictions.close();
      services.close();
    }
  });

  it('exports the adapter alone, recording the base model and its SHA-256; verify says so', () => {
    const exported = airlock(home, ['export', 'assistant@1', '--to', usb, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const bundle = join(usb, 'assistant-v1');
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    expect(manifest.kind).toBe('adapter');
    expect(manifest.base).toMatchObject({ name: 'tiny-llama', sha256: JSON.parse(readFileSync(join(modelDir, 'airlock_base.json'), 'utf8')).base_sha256 });
    const paths = manifest.files.map((file: { path: string }) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['MLmodel', 'README.md', 'artifacts/adapter/adapter_model.safetensors', 'artifacts/adapter/airlock_base.json', 'artifacts/adapter/airlock_generation.json', 'artifacts/adapter/tokenizer.json']));
    expect(paths.filter((path: string) => path.startsWith('model/'))).toEqual([]);
    expect(readFileSync(join(bundle, 'README.md'), 'utf8')).toContain(manifest.base.sha256);
    const verified = airlock(home, ['verify', bundle]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`needs the base model tiny-llama (weights SHA-256 ${manifest.base.sha256})`);
  });

  it('exports the merged model as an MLflow text-generation model beside it; verify passes', () => {
    const exported = airlock(home, ['export', 'assistant@1', '--to', usb, '--merged', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json.bundle).toMatchObject({ path: join(usb, 'assistant-v1-merged'), kind: 'merged', base: { name: 'tiny-llama' } });
    const mlmodel = readFileSync(join(usb, 'assistant-v1-merged', 'MLmodel'), 'utf8');
    expect(mlmodel).toContain('task: text-generation');
    expect(existsSync(join(usb, 'assistant-v1-merged', 'model', 'model.safetensors'))).toBe(true);
    expect(airlock(home, ['verify', join(usb, 'assistant-v1-merged'), '--json']).json.bundle.kind).toBe('merged');
  });

  it('imports the adapter bundle only where its base model is cached, naming the base where it is not', () => {
    const missing = airlock(bare, ['models', 'import', join(usb, 'assistant-v1'), '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json.error.code).toBe('BASE_MODEL_MISSING');
    const sha = JSON.parse(readFileSync(join(modelDir, 'airlock_base.json'), 'utf8')).base_sha256;
    expect(missing.json.error.message).toContain("'tiny-llama'");
    expect(missing.json.error.message).toContain(sha);
    expect(airlock(bare, ['models', '--json']).json.models.map((model: { id: string }) => model.id)).not.toContain('assistant-v1');
    const imported = airlock(home, ['models', 'import', join(usb, 'assistant-v1'), '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.model).toMatchObject({ id: 'assistant-v1' });
    expect(existsSync(join(imported.json.model.path, 'model.safetensors'))).toBe(true);
  });

  it('says which base model is missing when a registered adapter is asked a prompt on a cache without it', () => {
    addLmRun(bare, { runId: 'orphan', baseId: 'tiny-llama', basePath: tinyModelPath('llama'), method: 'lora' });
    expect(airlock(bare, ['register', 'orphan', '--name', 'orphan', '--json']).code).toBe(0);
    const answered = airlock(bare, ['predict', 'orphan', '--prompt', PROMPT, '--json']);
    expect(answered.code).toBe(1);
    expect(answered.json.error.code).toBe('BASE_MODEL_MISSING');
    expect(answered.json.error.message).toContain('tiny-llama');
  });
});
