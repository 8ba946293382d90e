import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ApiCalls, type ApiName } from '../../../schemas/api.ts';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';
import { tempDir } from '../../helpers/home.ts';
import { writeSentimentCsv } from '../../helpers/tiny-model.ts';

describe('API table', () => {
  const dir = tempDir();
  let services: Services;
  let api: Api;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    api = createApi(services);
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  const names = Object.keys(ApiCalls) as ApiName[];

  it.each(names)('%s rejects malformed input before any service sees it', async (name) => {
    for (const bad of [{ unexpected: true }, 'a string', 42]) {
      const result = await api.call(name, bad as never);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('INVALID_INPUT');
    }
    expect(services.datasets.list()).toEqual([]);
    expect(services.runs.list()).toEqual([]);
  });

  it('returns service errors as {ok: false, error} with their code, never throwing', async () => {
    const missing = await api.call('datasets.get', { id: 'ds-nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'DATASET_NOT_FOUND' } });
    const badConfig = await api.call('runs.start', { config: { data: { train_path: 'x' } } });
    expect(badConfig).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });

  it('imports through the table and pushes progress notices to subscribers', async () => {
    const fractions: number[] = [];
    const unsubscribe = api.subscribe((notice) => notice.kind === 'import' && fractions.push(notice.fraction));
    const result = await api.call('datasets.import', { path: writeSentimentCsv(join(dir.path, 'reviews.csv')) });
    unsubscribe();
    expect(result.ok).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    const listed = await api.call('datasets.list', {});
    expect(listed.ok && listed.data.datasets).toHaveLength(1);
  });
});
