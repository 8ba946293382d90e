#!/usr/bin/env tsx
// The packaging step of `npm run dist`, run by build/dist.ts under `unshare -n` (no network at all):
//   tsx build/package-app.ts --electron-dist <unpacked Electron> --out <folder> [--sqlite-node <better_sqlite3.node>]
// electron-builder makes the app folder (Linux `dir`; on Windows the NSIS installer, on macOS the dmg),
// then on Linux the .tar.gz and .deb are made from that folder, and SHA256SUMS lists every artifact.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, Platform } from 'electron-builder';
import { builderConfig } from './electron-builder.config.ts';
import { sha256 } from './electron-dist.ts';
import { makeDeb, makeTarGz } from './linux-packages.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface PackageOptions {
  electronDist: string;
  electronVersion: string;
  out: string;
  sqliteNode?: string;
}

/** electron-builder's unpacked folder for this arch (linux-unpacked, linux-arm64-unpacked…). */
function linuxAppDir(out: string, arch: string): string {
  return join(out, arch === 'x64' ? 'linux-unpacked' : `linux-${arch}-unpacked`);
}

/** Builds the app for this machine's platform and arch; returns the artifacts (also listed in SHA256SUMS). */
export async function packageApp(options: PackageOptions): Promise<string[]> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const config = builderConfig({ electronDist: options.electronDist, electronVersion: options.electronVersion, output: options.out, electronSqliteNode: options.sqliteNode });
  const platform = process.platform === 'win32' ? Platform.WINDOWS : process.platform === 'darwin' ? Platform.MAC : Platform.LINUX;
  const target = platform === Platform.LINUX ? 'dir' : platform === Platform.WINDOWS ? 'nsis' : 'dmg';
  const built = await build({ projectDir: ROOT, targets: platform.createTarget(target), config, publish: 'never' });
  const artifacts = built.filter((file) => !file.endsWith('.blockmap'));
  if (platform === Platform.LINUX) {
    const info = { version: pkg.version, arch: process.arch, description: pkg.description, maintainer: 'Airlock maintainers <airlock@localhost>' };
    const appDir = linuxAppDir(options.out, process.arch);
    artifacts.push(makeTarGz(appDir, options.out, info));
    artifacts.push(makeDeb(appDir, options.out, info, options.out));
  }
  const lines = [];
  for (const file of artifacts) lines.push(`${await sha256(file)}  ${basename(file)}`);
  writeFileSync(join(options.out, 'SHA256SUMS'), `${lines.join('\n')}\n`);
  return artifacts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'electron-dist': { type: 'string' }, out: { type: 'string' }, 'sqlite-node': { type: 'string' }, 'electron-version': { type: 'string' } } });
  if (!values['electron-dist'] || !values.out || !values['electron-version']) {
    console.error('usage: tsx build/package-app.ts --electron-dist <folder> --electron-version <x.y.z> --out <folder> [--sqlite-node <file>]');
    process.exit(2);
  }
  const artifacts = await packageApp({ electronDist: resolve(values['electron-dist']), electronVersion: values['electron-version'], out: resolve(values.out), sqliteNode: values['sqlite-node'] });
  for (const file of artifacts) console.log(`dist: ${file}`);
}
