/**
 * Unpacking a dataset archive (.zip, .tar, .tar.gz) without trusting it: every entry is checked before a
 * byte is written. Links, special files, absolute paths and `..` are refused (a "zip slip" writes outside
 * the folder), and so are archives that unpack far past their own size or past a total limit (a "zip bomb").
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { AirlockError } from '../../../../schemas/errors.ts';

/** Most bytes an archive may unpack to. */
export const MAX_UNPACKED_BYTES = 64 * 1024 ** 3;
/** Most entries an archive may hold. */
export const MAX_ENTRIES = 1_000_000;
/** Largest unpacked ÷ packed size accepted once past {@link RATIO_FLOOR_BYTES}: real pictures and sound barely compress. */
export const MAX_RATIO = 100;
const RATIO_FLOOR_BYTES = 64 * 1024 ** 2;

/** True for the archive names import unpacks. */
export function isArchive(path: string): boolean {
  return /\.(zip|tar|tar\.gz|tgz)$/i.test(path);
}

function unsafe(archive: string, entry: string, why: string): never {
  throw new AirlockError('DATASET_ARCHIVE_UNSAFE', `${basename(archive)} holds "${entry}", ${why}; nothing was unpacked.`, {
    hint: 'Pack the dataset again from its folder (plain files and folders only), or import the folder itself.',
  });
}

function checkPath(archive: string, path: string): void {
  const normal = path.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal)) unsafe(archive, path, 'an absolute path');
  if (normal.split('/').includes('..')) unsafe(archive, path, 'a path that climbs out of the folder (..)');
}

/** Refuses an archive that unpacks to more than the limits allow, from the sizes its entries declare. */
function checkSizes(archive: string, entries: number, unpacked: number, packed: number): void {
  if (entries > MAX_ENTRIES) {
    throw new AirlockError('DATASET_ARCHIVE_TOO_LARGE', `${basename(archive)} holds more than ${MAX_ENTRIES.toLocaleString('en')} entries.`, { hint: 'Split the dataset into several archives.' });
  }
  const ratio = unpacked / Math.max(1, packed);
  if (unpacked > MAX_UNPACKED_BYTES || (unpacked > RATIO_FLOOR_BYTES && ratio > MAX_RATIO)) {
    throw new AirlockError('DATASET_ARCHIVE_TOO_LARGE', `${basename(archive)} would unpack to ${(unpacked / 1024 ** 2).toFixed(0)} MB from ${(packed / 1024 ** 2).toFixed(1)} MB (${ratio.toFixed(0)} times its size); it is refused as a possible archive bomb.`, {
      hint: `Archives may unpack to at most ${MAX_RATIO} times their size and ${MAX_UNPACKED_BYTES / 1024 ** 3} GB. Import the folder itself instead.`,
    });
  }
}

/** Unpacks `archive` into the new folder `dest`. @throws AirlockError DATASET_ARCHIVE_UNSAFE, DATASET_ARCHIVE_TOO_LARGE, DATASET_ARCHIVE_INVALID. */
export async function unpackArchive(archive: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true });
  if (/\.zip$/i.test(archive)) await unpackZip(archive, dest);
  else await unpackTar(archive, dest);
}

function invalid(archive: string, error: unknown): AirlockError {
  if (error instanceof AirlockError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/invalid relative path|absolute path|invalid characters/i.test(message)) {
    return new AirlockError('DATASET_ARCHIVE_UNSAFE', `${basename(archive)} holds an entry with an unsafe path (${message}); nothing was unpacked.`, {
      hint: 'Pack the dataset again from its folder, or import the folder itself.',
    });
  }
  return new AirlockError('DATASET_ARCHIVE_INVALID', `${basename(archive)} cannot be read as an archive: ${message}.`, {
    hint: 'The file may be damaged or cut short: copy it again, or import the folder itself.',
  });
}

async function unpackZip(archive: string, dest: string): Promise<void> {
  const packed = (await stat(archive)).size;
  const zip = await yauzl.openPromise(archive, { autoClose: false, strictFileNames: true, validateEntrySizes: true }).catch((error: unknown) => {
    throw invalid(archive, error);
  });
  try {
    // First pass: every entry's name, kind and declared size, before anything is written.
    const entries: yauzl.Entry[] = [];
    let unpacked = 0;
    for await (const entry of zip.eachEntry()) {
      checkPath(archive, entry.fileName);
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (mode === 0o120000) unsafe(archive, entry.fileName, 'a symbolic link');
      if (mode !== 0 && mode !== 0o100000 && mode !== 0o040000) unsafe(archive, entry.fileName, 'a special file');
      if (entry.isEncrypted()) unsafe(archive, entry.fileName, 'an encrypted file');
      unpacked += entry.uncompressedSize;
      entries.push(entry);
      checkSizes(archive, entries.length, unpacked, packed);
    }
    for (const entry of entries) {
      const target = join(dest, ...entry.fileName.split('/'));
      if (entry.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      // yauzl stops a stream whose data runs past the size declared: a lying header cannot grow the bomb.
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target, { flags: 'wx' }));
    }
  } catch (error) {
    throw invalid(archive, error);
  } finally {
    zip.close();
  }
}

async function unpackTar(archive: string, dest: string): Promise<void> {
  const packed = (await stat(archive)).size;
  let entries = 0;
  let unpacked = 0;
  let problem: unknown = null; // an error thrown inside tar's entry listener would never reach the caller
  const plain = (type: string) => type === 'File' || type === 'OldFile' || type === 'Directory';
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        if (problem) return;
        try {
          checkPath(archive, entry.path);
          if (!plain(entry.type)) unsafe(archive, entry.path, entry.type.includes('Link') ? 'a link' : `a ${entry.type} entry`);
          unpacked += entry.size ?? 0;
          checkSizes(archive, ++entries, unpacked, packed);
        } catch (error) {
          problem = error;
        }
      },
    });
    if (problem) throw problem;
    await tar.x({
      file: archive,
      cwd: dest,
      strict: true,
      preserveOwner: false,
      // checked above; filtered again in case the file changed in between
      filter: (path, entry) => {
        const normal = path.replace(/\\/g, '/');
        const safe = !normal.startsWith('/') && !normal.split('/').includes('..');
        return safe && plain('type' in entry ? entry.type : 'File');
      },
    });
  } catch (error) {
    throw invalid(archive, error);
  }
}
