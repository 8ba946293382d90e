import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { SftFormat } from '../../../schemas/config.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { HomePaths } from '../home.ts';
import type { DatasetTable } from '../store/records.ts';
import { analyzeDatasetFile, type DatasetAnalysis } from '../datasets/analyze.ts';
import { SCHEMA_FILE, TABLE_FILE } from '../datasets/canonical-table.ts';
import { originalFile } from '../datasets/column-choice.ts';
import { isArchive, unpackArchive } from '../datasets/media/archive.ts';
import { analyzeMediaFolder, type MediaAnalysis } from '../datasets/media/media-import.ts';
import { attachMediaFiles, type MediaTableResult } from '../datasets/media/media-table.ts';
import { formatFromPath } from '../datasets/sniff.ts';
import { stagingPath } from '../util/files.ts';

/** Result of an import: the dataset, and whether the same content was already stored. */
export interface ImportResult {
  dataset: Dataset;
  existing: boolean;
}

/** A folder holding one of these is read as that table of file paths and labels. */
const METADATA_FILES = ['metadata.csv', 'metadata.jsonl'];

/** The analysis of a table of file paths once its files are attached: their identity, rows, labels and warnings. */
function withMedia(analysis: DatasetAnalysis, media: MediaTableResult): DatasetAnalysis {
  const detection = analysis.detection;
  const labels = detection.task === 'regression' ? detection.labels : media.labels;
  const balance = labels.length ? Math.round((labels.at(-1)!.count / labels[0]!.count) * 1000) / 1000 : detection.balance;
  return { ...analysis, sha256: media.sha256, rows: media.rows, detection: { ...detection, labels, balance, warnings: [...detection.warnings, ...media.warnings] } };
}

/** The stored dataset, told with this import's files left out (--skip-unreadable): the same usable content, other files skipped. */
function withLeftOut(existing: Dataset, warnings: Dataset['detection']['warnings']): Dataset {
  const leftOut = warnings.filter((warning) => warning.code === 'MEDIA_FILES_LEFT_OUT');
  if (leftOut.length === 0) return existing;
  const kept = existing.detection.warnings.filter((warning) => warning.code !== 'MEDIA_FILES_LEFT_OUT');
  return { ...existing, detection: { ...existing.detection, warnings: [...leftOut, ...kept] } };
}

export interface ImportOptions {
  name?: string;
  onProgress?: (fraction: number) => void;
  /** Image and audio folders: import the usable files when some cannot be opened. */
  skipUnreadable?: boolean;
  /** The fine-tuning shape to read the table as (task causal_lm), instead of the detected one. */
  format?: SftFormat;
}

/** Datasets in the data folder: imported once, identified by content, never modified. */
export class DatasetCatalog {
  constructor(
    private readonly paths: HomePaths,
    private readonly table: DatasetTable,
  ) {}

  list(): Dataset[] {
    return this.table.list();
  }

  get(id: string): Dataset {
    const dataset = this.table.get(id);
    if (!dataset) {
      throw new AirlockError('DATASET_NOT_FOUND', `No dataset "${id}" is stored.`, {
        hint: 'Run `airlock datasets` to list datasets, or import the file with `airlock import <file>`.',
      });
    }
    return dataset;
  }

  /** A dataset id, a file inside a stored dataset's folder (a resolved config names its table), or a file path that is imported on the way. */
  async resolve(idOrPath: string, onProgress?: (fraction: number) => void): Promise<Dataset> {
    const stored = this.table.get(idOrPath) ?? this.table.get(this.storedId(idOrPath) ?? '');
    if (stored) return this.withTable(stored);
    if (existsSync(idOrPath) && statSync(idOrPath).isFile()) return (await this.import(idOrPath, { onProgress })).dataset;
    return this.get(idOrPath);
  }

  /**
   * The dataset with its canonical table: one imported before Airlock wrote tables is read again from
   * its stored original (the same reader), its table put beside it and its record updated.
   */
  private async withTable(dataset: Dataset): Promise<Dataset> {
    const folder = dirname(dataset.dataPath);
    if (basename(dataset.dataPath) === TABLE_FILE && existsSync(dataset.dataPath)) return dataset;
    const staging = stagingPath(this.paths.staging, 'table');
    mkdirSync(staging, { recursive: true });
    try {
      const analysis = await analyzeDatasetFile(originalFile(dataset), { tableDir: staging });
      for (const name of [TABLE_FILE, SCHEMA_FILE]) renameSync(join(staging, name), join(folder, name));
      const upgraded: Dataset = { ...dataset, dataPath: join(folder, TABLE_FILE), columns: analysis.columns, detection: analysis.detection, preview: analysis.preview };
      this.table.update(upgraded);
      return upgraded;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** A stored dataset with the table and detection of a new reading (staged in `staging`, which is removed). */
  private reread(dataset: Dataset, staging: string, analysis: DatasetAnalysis): Dataset {
    const folder = dirname(dataset.dataPath);
    try {
      for (const name of [TABLE_FILE, SCHEMA_FILE]) renameSync(join(staging, name), join(folder, name));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    const updated: Dataset = { ...dataset, dataPath: join(folder, TABLE_FILE), columns: analysis.columns, detection: analysis.detection, preview: analysis.preview };
    this.table.update(updated);
    return updated;
  }

  /** The id of the dataset folder `path` lies in, when it lies in the data folder's datasets. */
  private storedId(path: string): string | null {
    const inside = relative(this.paths.datasets, resolve(path));
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep)[0] : null;
  }

  /** Analyses a file (or an image or audio folder) and copies it into the store; a failed import leaves nothing behind. */
  async import(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    if (existsSync(path) && statSync(path).isDirectory()) return this.importFolder(path, options);
    if (existsSync(path) && isArchive(path)) return this.importArchive(path, options);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new AirlockError('FILE_NOT_FOUND', `The file ${path} does not exist.`, { hint: 'Check the path, or pick the file again.' });
    }
    formatFromPath(path); // an unsupported extension fails before anything is written
    const originalName = `original${extname(path).toLowerCase() || '.data'}`;
    const staging = stagingPath(this.paths.staging, 'dataset');
    mkdirSync(staging, { recursive: true });
    // Everything is written in the staging folder; its rename into datasets/<id> is the commit point.
    let analysis: DatasetAnalysis;
    let media: MediaTableResult | null = null;
    try {
      analysis = await analyzeDatasetFile(path, { tableDir: staging, onProgress: options.onProgress, format: options.format });
      const { modality, textColumn, labelColumn } = analysis.detection;
      if ((modality === 'image' || modality === 'audio') && textColumn && labelColumn) {
        // a column of file paths: the files are checked, decoded and stored with the table
        media = await attachMediaFiles(path, staging, textColumn, { home: this.paths.root, labelColumn, skipUnreadable: options.skipUnreadable, tableSha256: analysis.sha256, onProgress: options.onProgress });
        analysis = withMedia(analysis, media);
      }
      const existing = this.table.findBySha256(analysis.sha256);
      if (existing && options.format && existing.detection.sft?.format !== options.format) {
        // The same content read in another fine-tuning shape: the stored table and detection follow the user's choice.
        return { dataset: this.reread(existing, staging, analysis), existing: true };
      }
      if (existing) {
        rmSync(staging, { recursive: true, force: true });
        return { dataset: withLeftOut(existing, analysis.detection.warnings), existing: true };
      }
      copyFileSync(path, join(staging, originalName));
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    const id = `ds-${analysis.sha256.slice(0, 12)}`;
    return this.commit(staging, id, {
      id,
      name: options.name ?? basename(path, extname(path)),
      format: analysis.format,
      rows: analysis.rows,
      bytes: analysis.bytes,
      sha256: analysis.sha256,
      sourcePath: resolve(path),
      dataPath: join(this.paths.datasets, id, TABLE_FILE),
      encoding: analysis.encoding,
      delimiter: analysis.delimiter,
      columns: analysis.columns,
      detection: analysis.detection,
      preview: analysis.preview,
      ...(media ? { media: media.media } : {}),
      createdAt: new Date().toISOString(),
    });
  }

  /** A .zip, .tar or .tar.gz of an image or audio folder: unpacked (checked first) beside the data folder, then imported as a folder. */
  private async importArchive(path: string, options: ImportOptions): Promise<ImportResult> {
    const unpacked = stagingPath(this.paths.staging, 'archive');
    try {
      await unpackArchive(path, unpacked);
      // an archive of one folder (digits.zip holding digits/...) is that folder
      const top = readdirSync(unpacked, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.') && entry.name !== '__MACOSX');
      const root = top.length === 1 && top[0]!.isDirectory() ? join(unpacked, top[0]!.name) : unpacked;
      const name = options.name ?? basename(path).replace(/\.(zip|tar|tar\.gz|tgz)$/i, '');
      return await this.importFolder(root, { ...options, name }, resolve(path), basename(path));
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }
  }

  /** An image or audio folder: its table and a copy of every usable file, identified by their content. */
  private async importFolder(path: string, options: ImportOptions, source = resolve(path), displayName?: string): Promise<ImportResult> {
    // Hugging Face's imagefolder/audiofolder layout: a metadata table naming each file (file_name) and its labels
    const metadata = METADATA_FILES.map((name) => join(path, name)).find((candidate) => existsSync(candidate));
    if (metadata) return this.import(metadata, { ...options, name: options.name ?? displayName?.replace(/\.(zip|tar|tar\.gz|tgz)$/i, '') ?? basename(resolve(path)) });
    const staging = stagingPath(this.paths.staging, 'dataset');
    mkdirSync(staging, { recursive: true });
    let analysis: MediaAnalysis;
    try {
      analysis = await analyzeMediaFolder(path, { home: this.paths.root, tableDir: staging, displayName, skipUnreadable: options.skipUnreadable, onProgress: options.onProgress });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    const existing = this.table.findBySha256(analysis.sha256);
    if (existing) {
      rmSync(staging, { recursive: true, force: true });
      return { dataset: withLeftOut(existing, analysis.detection.warnings), existing: true };
    }
    const id = `ds-${analysis.sha256.slice(0, 12)}`;
    return this.commit(staging, id, {
      id,
      name: options.name ?? basename(resolve(path)),
      format: analysis.format,
      rows: analysis.rows,
      bytes: analysis.bytes,
      sha256: analysis.sha256,
      sourcePath: source,
      dataPath: join(this.paths.datasets, id, TABLE_FILE),
      encoding: 'utf-8',
      delimiter: null,
      columns: analysis.columns,
      detection: analysis.detection,
      preview: analysis.preview,
      media: analysis.media,
      createdAt: new Date().toISOString(),
    });
  }

  /** Moves a complete staging folder to datasets/<id> and records the dataset; the rename is the commit point. */
  private commit(staging: string, id: string, dataset: Dataset): ImportResult {
    const target = join(this.paths.datasets, id);
    rmSync(target, { recursive: true, force: true }); // left by an import that crashed before its row was written
    renameSync(staging, target);
    try {
      this.table.insert(dataset);
    } catch (error) {
      rmSync(target, { recursive: true, force: true });
      throw error;
    }
    return { dataset, existing: false };
  }
}
