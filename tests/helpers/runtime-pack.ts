// The real CPU runtime pack, shared by the tests that install it: built once per content of what goes into it
// (trainer/requirements.txt, the pack builder, package.json) and kept under /tmp, and packs derived from it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeInfo } from '../../schemas/runtime.ts';
import { sealPack } from '../../electron/services/runtime/pack.ts';
import { copyTree } from '../../electron/services/util/files.ts';

export const TSX = join('node_modules', '.bin', 'tsx');

/** Whether this machine can take a process off the network (`unshare -n`), which the offline tests need. */
export const canGoOffline = spawnSync('unshare', ['-n', 'true']).status === 0;

/**
 * The pack for this checkout's lock inputs, built on first use. AIRLOCK_RUNTIME_PACK_CACHE: a folder CI keeps between
 * runs, to skip the build (about 2 minutes) when nothing changed. AIRLOCK_RUNTIME_PACK: a pack already built (a release
 * candidate) to test instead.
 */
export function cachedPack(): { archive: string; buildSeconds: number | null } {
  if (process.env.AIRLOCK_RUNTIME_PACK) return { archive: process.env.AIRLOCK_RUNTIME_PACK, buildSeconds: null };
  const hash = createHash('sha256');
  for (const file of ['trainer/requirements.txt', 'build/pack-runtime.ts', 'electron/services/runtime/pack.ts', 'electron/services/runtime/tar.ts', 'package.json']) hash.update(readFileSync(file));
  const folder = join(process.env.AIRLOCK_RUNTIME_PACK_CACHE ?? tmpdir(), `airlock-runtime-pack-${hash.digest('hex').slice(0, 16)}`);
  const find = () => (existsSync(folder) ? readdirSync(folder).find((name) => name.endsWith('.tar')) : undefined);
  let found = find();
  let buildSeconds: number | null = null;
  if (!found) {
    const staging = `${folder}.${process.pid}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const started = Date.now();
    const built = spawnSync(TSX, ['build/pack-runtime.ts', '--out', staging], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`pack:runtime failed:\n${built.stderr.slice(-3000)}`);
    buildSeconds = (Date.now() - started) / 1000;
    try {
      renameSync(staging, folder);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another worker won the race
    }
    found = find();
  }
  return { archive: join(folder, found as string), buildSeconds };
}

/**
 * A new pack sealed from an unpacked one's files (hard links, so no copy of the wheels): with `runtime` changed, and
 * the lock cut to the packages `keep` accepts (with their wheels only) when given. Sealing writes a fresh manifest, so
 * the result passes verification: what it tests is what happens after.
 */
export async function resealPack(unpacked: string, runtime: RuntimeInfo, out: string, keep?: (lockLine: string) => boolean): Promise<string> {
  const folder = join(out, `files-${runtime.version}`);
  rmSync(folder, { recursive: true, force: true });
  copyTree(join(unpacked, runtime.models), join(folder, runtime.models), { hardLink: true });
  const lock = readFileSync(join(unpacked, runtime.lock), 'utf8').split('\n');
  const kept = keep ? lock.filter((line) => line.startsWith('#') || !line.trim() || keep(line)) : lock;
  writeFileSync(join(folder, runtime.lock), kept.join('\n'));
  const names = kept.filter((line) => /^[^#\s]/.test(line)).map((line) => line.split('==')[0].toLowerCase().replace(/[-_.]+/g, '_'));
  mkdirSync(join(folder, runtime.wheels), { recursive: true });
  for (const wheel of readdirSync(join(unpacked, runtime.wheels))) {
    if (!keep || names.includes(wheel.split('-')[0].toLowerCase().replace(/[-_.]+/g, '_'))) linkSync(join(unpacked, runtime.wheels, wheel), join(folder, runtime.wheels, wheel));
  }
  const sealed = await sealPack(folder, runtime, out);
  rmSync(folder, { recursive: true, force: true });
  return sealed.archive;
}
