/**
 * Lists the files of a dataset folder without trusting it: a symbolic link may point inside the
 * folder (followed once) but never out of it or round in a loop; hidden entries and the litter
 * operating systems leave on removable media are skipped.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { AirlockError } from '../../../../schemas/errors.ts';

/** One file found in the folder. */
export interface FoundFile {
  /** Path relative to the folder, with `/` separators, as it appears in the canonical table. */
  relative: string;
  /** Where its bytes are read from (the link's target for a followed link). */
  absolute: string;
  bytes: number;
}

/** What a folder holds: its files, and every folder under it (so an empty class folder can be named). */
export interface FolderListing {
  files: FoundFile[];
  /** Relative paths of the folders below the root, `/`-separated. */
  folders: string[];
}

/** Most files one dataset folder may hold. */
export const MAX_FOLDER_FILES = 1_000_000;
/** Deepest folder nesting followed. */
const MAX_DEPTH = 32;

/** Names that removable media and file managers add and nobody means as data. */
const LITTER = new Set(['__MACOSX', 'Thumbs.db', 'desktop.ini', '$RECYCLE.BIN', 'System Volume Information', 'lost+found']);

function skipped(name: string): boolean {
  return name.startsWith('.') || LITTER.has(name);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Every regular file and folder under `folder`, sorted by relative path.
 * @throws AirlockError FILE_NOT_FOUND (no such folder), DATASET_LINK_OUTSIDE (a link leads out of
 *   the folder), DATASET_LINK_LOOP (a link leads back to a folder above it), DATASET_TOO_MANY_FILES.
 */
export async function listFolderFiles(folder: string): Promise<FolderListing> {
  const rootStats = await stat(folder).catch(() => null);
  if (!rootStats?.isDirectory()) {
    throw new AirlockError('FILE_NOT_FOUND', `The folder ${folder} does not exist.`, { hint: 'Check the path, or pick the folder again.' });
  }
  const root = await realpath(folder);
  const found: FoundFile[] = [];
  const folders: string[] = [];

  async function visit(real: string, shown: string, ancestors: Set<string>, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) {
      throw new AirlockError('DATASET_LINK_LOOP', `The folder ${shown || basename(folder)} is nested more than ${MAX_DEPTH} levels deep.`, {
        hint: 'Flatten the folder, or remove the link that makes it repeat.',
      });
    }
    const entries = await readdir(real, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (skipped(entry.name)) continue;
      const path = join(real, entry.name);
      const name = shown ? `${shown}/${entry.name}` : entry.name;
      let target = path;
      if (entry.isSymbolicLink()) {
        target = await realpath(path).catch(() => '');
        if (!target) continue; // a dangling link holds nothing to import
        if (!inside(root, target)) {
          throw new AirlockError('DATASET_LINK_OUTSIDE', `${name} is a link to ${target}, outside the dataset folder.`, {
            hint: 'Copy the file into the folder instead of linking to it: an import only reads what is inside the folder.',
          });
        }
      }
      const stats = entry.isSymbolicLink() ? await stat(target) : await lstat(path);
      if (stats.isDirectory()) {
        if (ancestors.has(target)) {
          throw new AirlockError('DATASET_LINK_LOOP', `${name} is a link back to a folder that contains it.`, {
            hint: 'Remove the link: it makes the folder endless.',
          });
        }
        folders.push(name);
        await visit(target, name, new Set([...ancestors, target]), depth + 1);
      } else if (stats.isFile()) {
        if (found.length >= MAX_FOLDER_FILES) {
          throw new AirlockError('DATASET_TOO_MANY_FILES', `${basename(folder)} holds more than ${MAX_FOLDER_FILES.toLocaleString('en')} files.`, {
            hint: 'Split it into several datasets.',
          });
        }
        found.push({ relative: name, absolute: target, bytes: stats.size });
      }
    }
  }

  await visit(root, '', new Set([root]), 0);
  return { files: found, folders };
}
