/**
 * Which rows a media folder holds, from its layout alone (no file is opened here): class
 * subfolders (`<root>/<label>/...`), optionally under split folders (`train/`, `validation/` or
 * `val/`, `test/`). Every file below a class folder, at any depth, belongs to that class.
 */
import { extname } from 'node:path';
import { AirlockError } from '../../../../schemas/errors.ts';
import type { FolderListing, FoundFile } from './walk.ts';

export type MediaKind = 'image' | 'audio';
export type Split = 'train' | 'validation' | 'test';

const EXTENSIONS: Record<string, MediaKind> = {
  '.png': 'image', '.jpg': 'image', '.jpeg': 'image', '.bmp': 'image', '.gif': 'image', '.webp': 'image', '.tif': 'image', '.tiff': 'image',
  '.wav': 'audio', '.flac': 'audio', '.ogg': 'audio', '.oga': 'audio', '.mp3': 'audio',
};

/** Folder names read as splits, lower-cased; the names people use for each. */
const SPLIT_NAMES: Record<string, Split> = {
  train: 'train', training: 'train',
  validation: 'validation', val: 'validation', valid: 'validation', dev: 'validation',
  test: 'test', testing: 'test',
};

/** The media kind a file's extension names, or null for any other file. */
export function mediaKind(path: string): MediaKind | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/** One example: a file, its class and the split its folder put it in (null: no split folders). */
export interface MediaRow {
  file: FoundFile;
  label: string;
  split: Split | null;
}

/** A file the layout leaves out, and why (shown to the user). */
export interface IgnoredFile {
  relative: string;
  reason: 'not-media' | 'outside-class-folder';
}

export interface MediaLayout {
  kind: MediaKind;
  rows: MediaRow[];
  /** Split folders found (empty when the folder has none). */
  splits: Split[];
  /** Class folders, with their split prefix, that hold no image or audio file. */
  emptyClassFolders: string[];
  ignored: IgnoredFile[];
}

function splitOf(top: string): Split | null {
  return SPLIT_NAMES[top.toLowerCase()] ?? null;
}

/**
 * Reads the layout of a listed folder.
 * @throws AirlockError DATASET_EMPTY (no image or audio file), DATASET_MIXED_MEDIA (both kinds),
 *   DATASET_NO_CLASS_FOLDERS (files but no class subfolders), LABEL_COLUMN_SINGLE_CLASS.
 */
export function readMediaLayout(listing: FolderListing, folderName: string): MediaLayout {
  const media = listing.files.filter((file) => mediaKind(file.relative) !== null);
  const ignored: IgnoredFile[] = listing.files.filter((file) => mediaKind(file.relative) === null).map((file) => ({ relative: file.relative, reason: 'not-media' as const }));
  if (media.length === 0) {
    throw new AirlockError('DATASET_EMPTY', `${folderName} holds no image or audio files.`, {
      hint: 'Images: PNG, JPEG, BMP, GIF, WebP or TIFF. Audio: WAV, FLAC, OGG or MP3. Put them in one subfolder per class.',
    });
  }
  const kinds = new Set(media.map((file) => mediaKind(file.relative)));
  if (kinds.size > 1) {
    const image = media.find((file) => mediaKind(file.relative) === 'image')!.relative;
    const audio = media.find((file) => mediaKind(file.relative) === 'audio')!.relative;
    throw new AirlockError('DATASET_MIXED_MEDIA', `${folderName} holds both images (${image}) and audio (${audio}).`, {
      hint: 'Import images and audio as two datasets: one model takes one kind of input.',
    });
  }
  const kind = [...kinds][0]!;

  const tops = new Set(media.filter((file) => file.relative.includes('/')).map((file) => file.relative.split('/')[0]!));
  const splitLayout = tops.size > 0 && [...tops].every((top) => splitOf(top) !== null) && [...tops].some((top) => splitOf(top) === 'train');
  const rows: MediaRow[] = [];
  for (const file of media) {
    const parts = file.relative.split('/');
    const split = splitLayout ? splitOf(parts[0]!) : null;
    const inClass = splitLayout ? parts.slice(1) : parts;
    if (inClass.length < 2 || (splitLayout && split === null)) {
      ignored.push({ relative: file.relative, reason: 'outside-class-folder' });
      continue;
    }
    rows.push({ file, label: inClass[0]!, split });
  }
  if (rows.length === 0) {
    throw new AirlockError('DATASET_NO_CLASS_FOLDERS', `The files in ${folderName} are not in class folders, so Airlock cannot tell their labels.`, {
      hint: `Put each class's files in a subfolder named after the class, for example ${folderName}/cat/1.png and ${folderName}/dog/2.png.`,
    });
  }
  const labels = new Set(rows.map((row) => row.label));
  if (labels.size < 2) {
    throw new AirlockError('LABEL_COLUMN_SINGLE_CLASS', `${folderName} has only one class folder ("${[...labels][0]}"); a classifier needs at least two.`, {
      hint: 'Add a subfolder with examples of another class.',
    });
  }

  const withFiles = new Set(rows.map((row) => (row.split ? `${row.file.relative.split('/')[0]}/${row.label}` : row.label)));
  const classDepth = splitLayout ? 2 : 1;
  const emptyClassFolders = listing.folders.filter((folder) => {
    const parts = folder.split('/');
    if (parts.length !== classDepth || (splitLayout && splitOf(parts[0]!) === null)) return false;
    return !withFiles.has(folder);
  });
  const splits = splitLayout ? (['train', 'validation', 'test'] as const).filter((split) => rows.some((row) => row.split === split)) : [];
  return { kind, rows, splits, emptyClassFolders, ignored };
}
