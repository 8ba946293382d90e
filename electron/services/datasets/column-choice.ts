/** The user's own text and label columns: detection runs again over the stored file with them. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dataset } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { analyzeDatasetFile } from './analyze.ts';
import type { ColumnChoice } from './detect.ts';

/** The file as imported, kept untouched beside the canonical table in the dataset's folder. */
export function originalFile(dataset: Dataset): string {
  const folder = dirname(dataset.dataPath);
  const original = readdirSync(folder).find((name) => name.startsWith('original'));
  if (!original) {
    throw new AirlockError('FILE_NOT_FOUND', `The stored file of dataset "${dataset.name}" is missing from ${folder}.`, {
      hint: 'Import the file again.',
    });
  }
  return join(folder, original);
}

/** The dataset with detection re-run for the chosen columns; throws (naming the column) when they cannot be used. */
export async function withColumns(dataset: Dataset, choice: ColumnChoice): Promise<Dataset> {
  const analysis = await analyzeDatasetFile(originalFile(dataset), { columns: choice });
  return { ...dataset, columns: analysis.columns, detection: analysis.detection };
}
