import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices } from '../../../electron/services/index.ts';
import { inspectModelFolder } from '../../../electron/services/models/inspect.ts';
import { ModelTable } from '../../../electron/services/store/records.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import { tempDir } from '../../helpers/home.ts';
import { tinyModelPath } from '../../helpers/tiny-model.ts';

describe('causal language models in the cache', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('finds a chat template kept in chat_template.jinja beside the tokenizer', () => {
    const folder = join(dir.path, 'gpt2-with-template');
    cpSync(tinyModelPath('gpt2'), folder, { recursive: true });
    expect(inspectModelFolder(folder)).toMatchObject({ causalLm: true, chatTemplate: false });
    writeFileSync(join(folder, 'chat_template.jinja'), '{% for message in messages %}{{ message.content }}{% endfor %}');
    expect(inspectModelFolder(folder)).toMatchObject({ causalLm: true, chatTemplate: true });
  });

  it('loads a record stored before causal LMs were understood, and reads its folder again once', async () => {
    const services = await createServices(join(dir.path, 'home'));
    try {
      await services.models.import(tinyModelPath('llama'), { name: 'llama' });
      const table = new ModelTable(services.db);
      const stored = services.models.get('llama');
      const { causalLm, chatTemplate, ...olderInfo } = stored.info;
      expect({ causalLm, chatTemplate }).toEqual({ causalLm: true, chatTemplate: true });
      table.upsert({ ...stored, id: 'older', info: olderInfo } as unknown as CachedModel);
      expect(table.get('older')?.info).toMatchObject({ causalLm: false, chatTemplate: false });
      expect(services.models.get('older').info).toMatchObject({ causalLm: true, chatTemplate: true });
      expect(table.get('older')?.info).toMatchObject({ causalLm: true, chatTemplate: true });
    } finally {
      services.close();
    }
  });
});
