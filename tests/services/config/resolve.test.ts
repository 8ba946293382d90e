import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { resolveConfig } from '../../../electron/services/config/resolve.ts';
import { ModelTable } from '../../../electron/services/store/records.ts';
import { parseConfig } from '../../../electron/services/config/yaml.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import { tempDir } from '../../helpers/home.ts';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../../helpers/tiny-model.ts';

describe('resolving a config against the model it names', () => {
  const dir = tempDir();
  let services: Services;
  let csv: string;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'));
    await services.models.import(tinyModelPath('roberta'), { name: 'roberta' });
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  const config = (model: string, maxLength: number) => {
    const base = tinyRunConfig(csv) as { data: Record<string, unknown> };
    return parseConfig({ ...base, model: { name: model }, data: { ...base.data, max_length: maxLength } });
  };

  it.each([
    { what: 'a cached RoBERTa', model: () => 'roberta', limit: 512 },
    { what: 'a GPT-2 folder', model: () => tinyModelPath('gpt2'), limit: 64 },
  ])('refuses a max_length past what $what can read, naming the field and the limit', async ({ model, limit }) => {
    const refused = await resolveConfig(config(model(), limit + 1), services.datasets, services.models).catch((error: AirlockError) => error);
    expect(refused).toBeInstanceOf(AirlockError);
    expect(refused).toMatchObject({ code: 'CONFIG_INVALID', field: 'data.max_length' });
    expect((refused as AirlockError).message).toContain(`at most ${limit}`);
    expect((refused as AirlockError).hint).toContain(String(limit));
    const resolved = await resolveConfig(config(model(), limit), services.datasets, services.models);
    expect(resolved.config.data.max_length).toBe(limit);
  });

  it('reads the limit and padding again for a model stored before inspection knew them', () => {
    const table = new ModelTable(services.db);
    const stored = services.models.get('roberta');
    const { maxInputTokens, padding, padToken, ...olderInfo } = stored.info;
    table.upsert({ ...stored, id: 'older', info: olderInfo } as unknown as CachedModel);
    expect(table.get('older')?.info).toMatchObject({ maxInputTokens: null, padding: null });
    expect(services.models.get('older').info).toMatchObject({ maxInputTokens, padding, padToken });
    expect(table.get('older')?.info).toMatchObject({ maxInputTokens: 512, padding: 'pad_token' });
  });
});
