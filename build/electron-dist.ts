// The Electron distribution `npm run dist` packages: the official zip named by AIRLOCK_ELECTRON_DIST,
// checked against the SHA-256 the `electron` npm package ships (node_modules/electron/checksums.json) and
// unpacked into a temporary folder that electron-builder copies as `electronDist` (so it downloads nothing).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export class DistError extends Error {}

export function electronPackage(root: string): { version: string; checksums: Record<string, string> } {
  const folder = join(root, 'node_modules', 'electron');
  const version = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version as string;
  const checksums = JSON.parse(readFileSync(join(folder, 'checksums.json'), 'utf8')) as Record<string, string>;
  return { version, checksums };
}

/** The official zip's name for this Electron version and the platform being built for. */
export function zipName(version: string, platform: string = process.platform, arch: string = process.arch): string {
  return `electron-v${version}-${platform}-${arch}.zip`;
}

/** The zip AIRLOCK_ELECTRON_DIST names: the file itself, or the folder that holds the expected one. */
export function findZip(given: string, expected: string): string {
  if (!existsSync(given)) throw new DistError(`AIRLOCK_ELECTRON_DIST names ${given}, which does not exist.`);
  if (!statSync(given).isDirectory()) return given;
  const inside = join(given, expected);
  if (existsSync(inside)) return inside;
  const zips = readdirSync(given).filter((name) => name.endsWith('.zip'));
  throw new DistError(`AIRLOCK_ELECTRON_DIST is the folder ${given}, which has no ${expected}${zips.length ? ` (it has ${zips.join(', ')})` : ''}.`);
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Refuses a zip whose name the checksums do not list, that is for another platform, or whose bytes differ. */
export async function verifyZip(zip: string, expected: string, checksums: Record<string, string>): Promise<string> {
  const name = basename(zip);
  const known = checksums[name];
  if (!known) {
    throw new DistError(`${name} is not an Electron file this version knows (node_modules/electron/checksums.json lists no such name); expected ${expected}.`);
  }
  if (name !== expected) throw new DistError(`${name} is for another platform or version; this build needs ${expected}.`);
  const actual = await sha256(zip);
  if (actual !== known) {
    throw new DistError(`${name} does not match its published SHA-256 (expected ${known}, got ${actual}): the file is damaged or not the official one.`);
  }
  return actual;
}

/** Unpacks the verified zip into `folder` (unzip keeps the executable bits electron-builder copies on). */
export function unpackZip(zip: string, folder: string): void {
  // Windows has no unzip; its bundled bsdtar reads zips (no executable bits to keep there).
  mkdirSync(folder, { recursive: true });
  const [command, args]: [string, string[]] = process.platform === 'win32' ? ['tar', ['-xf', zip, '-C', folder]] : ['unzip', ['-q', '-o', zip, '-d', folder]];
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new DistError(`Could not run ${command} to unpack ${basename(zip)}: install it (Debian: apt-get install unzip).`);
  if (result.status !== 0) throw new DistError(`${command} could not unpack ${basename(zip)}: ${result.stderr.trim()}`);
  // Electron's demo app; electron-builder keeps it when given an unpacked folder.
  rmSync(join(folder, 'resources', 'default_app.asar'), { force: true });
}
