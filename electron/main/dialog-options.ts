import type { OpenDialogOptions } from 'electron';
import type { PathPurpose } from '../../schemas/bridge.ts';

/** Every purpose the page may ask a dialog for. */
export const PATH_PURPOSES: readonly PathPurpose[] = ['dataset', 'model-folder', 'config', 'predict-input', 'export-target', 'runtime-pack', 'cluster-run'];

const DATA_FILES = { name: 'Data files (CSV, TSV, JSON Lines, Parquet)', extensions: ['csv', 'tsv', 'txt', 'jsonl', 'ndjson', 'json', 'parquet'] };

/** The open dialog for a purpose: files or folders, titled and filtered for what is chosen. */
export function openDialogOptions(purpose: PathPurpose): OpenDialogOptions {
  switch (purpose) {
    case 'dataset':
      return { title: 'Import a dataset', properties: ['openFile'], filters: [DATA_FILES, { name: 'All files', extensions: ['*'] }] };
    case 'predict-input':
      return { title: 'Choose the texts to predict', properties: ['openFile'], filters: [DATA_FILES, { name: 'All files', extensions: ['*'] }] };
    case 'config':
      return { title: 'Open a training config', properties: ['openFile'], filters: [{ name: 'YAML config', extensions: ['yaml', 'yml'] }] };
    case 'model-folder':
      return { title: 'Import a model folder', properties: ['openDirectory'] };
    case 'runtime-pack':
      return { title: 'Choose the runtime pack', properties: ['openFile'], filters: [{ name: 'Airlock runtime pack', extensions: ['tar'] }, { name: 'All files', extensions: ['*'] }] };
    case 'cluster-run':
      return { title: "Import a cluster run (its job folder's out folder)", properties: ['openDirectory'] };
    case 'export-target':
      return { title: 'Choose where to export', properties: ['openDirectory', 'createDirectory'] };
  }
}

/** Whether a value from the page is one of the purposes. */
export function isPathPurpose(value: unknown): value is PathPurpose {
  return typeof value === 'string' && (PATH_PURPOSES as readonly string[]).includes(value);
}
