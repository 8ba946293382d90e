import { create } from 'zustand';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { SftFormat } from '../../../schemas/config.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import { bridge, call, errorShapeOf } from '../services/bridge.ts';
import { loadInto } from './load.ts';

/** An import in progress: uploading the file (web host only), then reading it. */
export interface ImportProgress {
  name: string;
  stage: 'upload' | 'import';
  /** From 0 to 1; null until the first report. */
  fraction: number | null;
  /** The local path being imported, once known (import notices are matched on it). */
  path: string | null;
}

export interface DatasetsState {
  datasets: Dataset[];
  loaded: boolean;
  loading: boolean;
  error: AirlockErrorShape | null;
  importing: ImportProgress | null;
  importError: AirlockErrorShape | null;
  /** The last import's outcome, for the "already imported" note. */
  lastImport: { id: string; existing: boolean } | null;
  savingColumns: boolean;
  columnsError: AirlockErrorShape | null;
}

export const datasetsInitialState: DatasetsState = {
  datasets: [],
  loaded: false,
  loading: false,
  error: null,
  importing: null,
  importError: null,
  lastImport: null,
  savingColumns: false,
  columnsError: null,
};

/** What the user chose beside the path: keep the readable files of a folder; read a table as fine-tuning data. */
export interface ImportOptions {
  skipUnreadable?: boolean;
  format?: SftFormat;
}

interface DatasetsActions {
  load(): Promise<void>;
  /** Imports a local file; resolves to the dataset, or null when the import failed (see importError). */
  importPath(path: string, name?: string, options?: ImportOptions): Promise<Dataset | null>;
  /** Imports a file picked or dropped in the page: uploaded first in the web host. */
  importFile(file: File, options?: ImportOptions): Promise<Dataset | null>;
  /** An import progress notice from the services. */
  importProgress(path: string, fraction: number): void;
  /** Changes the text and label columns; detection runs again over the stored file. */
  setColumns(id: string, textColumn: string, labelColumn: string): Promise<Dataset | null>;
}

/** Stored datasets and imports. */
export const useDatasets = create<DatasetsState & DatasetsActions>((set, get) => {
  const store = (dataset: Dataset) => {
    const others = get().datasets.filter((candidate) => candidate.id !== dataset.id);
    set({ datasets: [dataset, ...others] });
  };
  const runImport = async (path: string, name: string, displayName?: string, options: ImportOptions = {}) => {
    set({ importing: { name: displayName ?? name, stage: 'import', fraction: null, path }, importError: null });
    try {
      const { skipUnreadable, format } = options;
      const { dataset, existing } = await call('datasets.import', { path, ...(name ? { name } : {}), ...(skipUnreadable ? { skipUnreadable } : {}), ...(format ? { format } : {}) });
      store(dataset);
      set({ importing: null, lastImport: { id: dataset.id, existing } });
      return dataset;
    } catch (error) {
      set({ importing: null, importError: errorShapeOf(error) });
      return null;
    }
  };
  return {
    ...datasetsInitialState,
    load: () => loadInto((partial) => set(partial), () => call('datasets.list', {})),
    importPath(path, name, options) {
      return runImport(path.trim(), name?.trim() ?? '', path.trim().split(/[\\/]/).pop(), options);
    },
    async importFile(file, options) {
      set({ importing: { name: file.name, stage: 'upload', fraction: 0, path: null }, importError: null, lastImport: null });
      let path: string;
      try {
        path = await bridge().pathForFile(file, (fraction) => {
          const importing = get().importing;
          if (importing?.stage === 'upload') set({ importing: { ...importing, fraction } });
        });
      } catch (error) {
        set({ importing: null, importError: errorShapeOf(error) });
        return null;
      }
      // Named after the file the user picked, not the uploaded copy's name.
      return runImport(path, file.name.replace(/\.[^.]+$/, '') || file.name, file.name, options);
    },
    importProgress(path, fraction) {
      const importing = get().importing;
      if (importing?.stage === 'import' && importing.path === path) set({ importing: { ...importing, fraction } });
    },
    async setColumns(id, textColumn, labelColumn) {
      set({ savingColumns: true, columnsError: null });
      try {
        const { dataset } = await call('datasets.setColumns', { id, textColumn, labelColumn });
        store(dataset);
        set({ savingColumns: false });
        return dataset;
      } catch (error) {
        set({ savingColumns: false, columnsError: errorShapeOf(error) });
        return null;
      }
    },
  };
});
