import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { RuntimeManifest, type RuntimeInfo } from '../../../schemas/runtime.ts';
import { MANIFEST_NAME, describeFiles, hashFile, listFiles } from '../export/manifest.ts';
import { checkManifestFiles, readManifestAs } from '../export/verify.ts';
import { packBaseName } from './layout.ts';
import { extractTar, writeTar } from './tar.ts';

const REBUILD = 'The pack is damaged or was changed after it was built: copy it again from the published media and compare its SHA-256.';

/** A sealed pack: where its archive is, and the fingerprints to check out of band. */
export interface SealedPack {
  archive: string;
  manifestSha256: string;
  archiveSha256: string;
  bytes: number;
  files: number;
}

/**
 * Turns a folder holding the lock, wheels and models into a pack: manifest.json (every file's size and SHA-256,
 * written last) and then `<out>/<name>.tar` with everything under one folder of that name.
 */
export async function sealPack(folder: string, runtime: RuntimeInfo, out: string): Promise<SealedPack> {
  if (existsSync(join(folder, MANIFEST_NAME))) throw new AirlockError('INVALID_INPUT', `${folder} already holds a manifest.json.`);
  const files = await describeFiles(folder);
  const manifest: RuntimeManifest = { format: 'airlock-runtime', formatVersion: 1, runtime, createdAt: new Date().toISOString(), files };
  writeFileSync(join(folder, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  const name = packBaseName(runtime);
  const archive = join(out, `${name}.tar`);
  await writeTar(folder, name, listFiles(folder), archive);
  const { size, sha256 } = await hashFile(archive);
  return { archive, manifestSha256: (await hashFile(join(folder, MANIFEST_NAME))).sha256, archiveSha256: sha256, bytes: size, files: files.length };
}

/** Whether `path` is a file that starts like a ustar archive (the "ustar" magic of its first header). */
function isTarFile(path: string): boolean {
  if (!statSync(path).isFile()) return false;
  const header = Buffer.alloc(512);
  const handle = openSync(path, 'r');
  try {
    return readSync(handle, header, 0, 512, 0) === 512 && header.toString('latin1', 257, 262) === 'ustar';
  } finally {
    closeSync(handle);
  }
}

/**
 * Unpacks a pack into `dest` (a new folder) and checks it against its manifest with the bundle checks:
 * tampered, missing, extra or unsafe entries are refused with their BUNDLE_* codes.
 */
export async function openPack(archive: string, dest: string, onBytes?: (done: number, total: number) => void): Promise<{ manifest: RuntimeManifest; sha256: string }> {
  if (!existsSync(archive)) throw new AirlockError('FILE_NOT_FOUND', `The runtime pack ${archive} does not exist.`, { hint: 'Check the path to the .tar file on the removable media.' });
  if (!isTarFile(archive)) {
    throw new AirlockError('INVALID_INPUT', `${archive} is not a runtime pack: a pack is one .tar archive, and this is ${statSync(archive).isDirectory() ? 'a folder' : 'not a tar archive'}.`, {
      field: 'path',
      hint: 'Choose the file named airlock-runtime-<version>-<platform>-py<python>-<variant>.tar on the removable media.',
    });
  }
  await extractTar(archive, dest, onBytes);
  const opened = readManifestAs(dest, RuntimeManifest, REBUILD);
  await checkManifestFiles(dest, opened.manifest.files, REBUILD);
  const { runtime } = opened.manifest;
  for (const inner of [runtime.lock, runtime.wheels, runtime.models]) {
    if (!existsSync(join(dest, inner))) {
      throw new AirlockError('BUNDLE_FILE_MISSING', `The pack's manifest names ${inner}, which the pack does not hold.`, { field: inner, hint: REBUILD });
    }
  }
  return opened;
}
