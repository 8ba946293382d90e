import { basename } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { RunConfig } from '../../../schemas/config.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { DatasetCatalog } from '../catalog/dataset-catalog.ts';
import type { ModelCache } from '../models/cache.ts';
import { inspectModelFolder } from '../models/inspect.ts';
import { inputLimit } from '../models/limits.ts';
import { checkModality } from './modality.ts';
import { checkCausalLm } from './sft-build.ts';

/** A config ready for the trainer: every dataset and model replaced by an absolute path. */
export interface ResolvedConfig {
  config: RunConfig;
  datasetId: string | null;
  modelId: string;
  /** The data files the trainer reads, by the names of their datasets (for its messages). */
  fileNames: Record<string, string>;
}

function checkColumns(dataset: Dataset, config: RunConfig, field: string): void {
  const names = dataset.columns.map((column) => column.name);
  const keys = ['text_column', 'label_column', 'prompt_column', 'input_column', 'completion_column', 'messages_column'] as const;
  for (const key of keys) {
    const wanted = config.data[key];
    if (wanted !== null && !names.includes(wanted)) {
      const code = config.model.task === 'causal_lm' ? 'SFT_COLUMN_MISSING' : 'DATASET_COLUMN_MISSING';
      throw new AirlockError(code, `${field} (${dataset.name}) has no column "${wanted}".`, {
        hint: `Set data.${key} to one of: ${names.join(', ')}.`,
        field: `data.${key}`,
      });
    }
  }
}

/** Refuses a max_length past what the model can read before a run starts (the trainer refuses it too). */
export function checkMaxLength(config: RunConfig, folder: string): void {
  const { tokens, source } = inputLimit(folder);
  const wanted = config.data.max_length;
  if (tokens === null || wanted <= tokens) return;
  throw new AirlockError('CONFIG_INVALID', `data.max_length is ${wanted} tokens, but the model ${basename(folder)} can read at most ${tokens} (${source}).`, {
    hint: `Set data.max_length to ${tokens} or less; longer texts are cut to that length.`,
    field: 'data.max_length',
    details: [`data.max_length: must be <= ${tokens}, the most this model can read (got ${wanted})`],
  });
}

/** Imports data files named by path, checks columns and max_length, and points the model at its cache folder. */
export async function resolveConfig(config: RunConfig, catalog: DatasetCatalog, models: ModelCache): Promise<ResolvedConfig> {
  const { folder, modelId } = models.resolveFolder(config.model.name);
  checkMaxLength(config, folder);
  const train = await catalog.resolve(config.data.train_path);
  checkColumns(train, config, 'data.train_path');
  const model = { folder, info: inspectModelFolder(folder) };
  checkModality(train, model, models.list());
  checkCausalLm(config.model.task, train, model, models.list());
  const fileNames: Record<string, string> = { [train.dataPath]: train.name };
  const optional = async (value: string | null, field: string) => {
    if (!value) return null;
    const dataset = await catalog.resolve(value);
    checkColumns(dataset, config, field);
    fileNames[dataset.dataPath] = dataset.name;
    return dataset.dataPath;
  };
  const resolved: RunConfig = {
    ...config,
    model: { ...config.model, name: folder },
    data: {
      ...config.data,
      train_path: train.dataPath,
      val_path: await optional(config.data.val_path, 'data.val_path'),
      test_path: await optional(config.data.test_path, 'data.test_path'),
    },
  };
  return { config: resolved, datasetId: train.id, modelId, fileNames };
}
