#!/usr/bin/env tsx
// `npm run dist`: the packaged app, built with no downloads.
//   AIRLOCK_ELECTRON_DIST=<electron-v…-<platform>-<arch>.zip, or its folder>  (required)
//   AIRLOCK_ELECTRON_HEADERS=<node-v…-headers.tar.gz, or its folder>          (better-sqlite3 for Electron's ABI)
//   AIRLOCK_DIST_OUT=<folder>                                                 (default dist/app)
// The zip is checked against node_modules/electron/checksums.json; the renderer and main are built; the
// packaging step (build/package-app.ts) runs under `unshare -n` where the machine allows it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistError, electronPackage, findZip, unpackZip, verifyZip, zipName } from './electron-dist.ts';
import { headersFolder, rebuildSqlite } from './native-rebuild.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function step(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new DistError(`\`${[command, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
}

/** The wrapper that cuts the network for the packaging step: `unshare -n` as root, `unshare -rn` where user namespaces allow; none otherwise. */
export function networkCut(): string[] | null {
  for (const wrapper of [['unshare', '-n'], ['unshare', '-rn']]) {
    if (spawnSync(wrapper[0], [...wrapper.slice(1), 'true']).status === 0) return wrapper;
  }
  return null;
}

async function main(): Promise<void> {
  const given = process.env.AIRLOCK_ELECTRON_DIST;
  if (!given) throw new DistError('AIRLOCK_ELECTRON_DIST is not set: name the official Electron zip for this platform (see docs/install.md, "Building the app package").');
  const { version, checksums } = electronPackage(ROOT);
  const expected = zipName(version);
  const zip = findZip(resolve(given), expected);
  const hash = await verifyZip(zip, expected, checksums);
  console.log(`dist: ${expected} matches node_modules/electron/checksums.json (${hash})`);

  step(process.execPath, ['build/build-renderer.mjs']);
  step(process.execPath, ['build/build-electron.mjs']);

  const scratch = mkdtempSync(join(tmpdir(), 'airlock-dist-'));
  try {
    const electronDist = join(scratch, 'electron');
    unpackZip(zip, electronDist);
    let sqliteNode: string | undefined;
    if (process.env.AIRLOCK_ELECTRON_HEADERS) {
      sqliteNode = rebuildSqlite(ROOT, headersFolder(resolve(process.env.AIRLOCK_ELECTRON_HEADERS), scratch), version, process.arch, scratch);
    } else {
      console.warn('dist: AIRLOCK_ELECTRON_HEADERS is not set, so better-sqlite3 keeps its Node.js ABI: the packaged app WILL NOT START (it stops with "Airlock could not start"). Use this build only to check the layout.');
    }
    const out = resolve(process.env.AIRLOCK_DIST_OUT ?? join(ROOT, 'dist', 'app'));
    rmSync(out, { recursive: true, force: true });
    const args = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'build/package-app.ts', '--electron-dist', electronDist, '--electron-version', version, '--out', out];
    if (sqliteNode) args.push('--sqlite-node', sqliteNode);
    const cut = process.platform === 'linux' ? networkCut() : null;
    if (cut) console.log(`dist: packaging with no network (${cut.join(' ')})`);
    else console.warn(`dist: packaging WITH the network reachable: ${process.platform === 'linux' ? '`unshare -n` is not permitted here (needs root or unprivileged user namespaces)' : `no \`unshare\` on ${process.platform}`}; electron-builder is still told not to download Electron or rebuild modules.`);
    step(cut ? cut[0] : process.execPath, cut ? [...cut.slice(1), process.execPath, ...args] : args);
    console.log(`dist: artifacts and SHA256SUMS in ${out}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  if (error instanceof DistError) {
    console.error(`dist: ${error.message}`);
    process.exit(2);
  }
  throw error;
});
