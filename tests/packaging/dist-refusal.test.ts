// `npm run dist` refuses, with one line and exit 2, before building anything, when the Electron zip is
// missing, unknown, for another platform, or not the official bytes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/home.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version as string;
const EXPECTED = `electron-v${VERSION}-${process.platform}-${process.arch}.zip`;
let dir: ReturnType<typeof tempDir>;

function dist(electronDist: string | undefined) {
  const env = { ...process.env };
  delete env.AIRLOCK_ELECTRON_DIST;
  if (electronDist !== undefined) env.AIRLOCK_ELECTRON_DIST = electronDist;
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'build/dist.ts'], { cwd: ROOT, env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

beforeAll(() => {
  dir = tempDir('airlock-dist-refusal-');
  mkdirSync(join(dir.path, 'empty'));
  writeFileSync(join(dir.path, EXPECTED), 'not the official zip');
  writeFileSync(join(dir.path, 'electron-v1.0.0-linux-x64.zip'), 'unknown');
});
afterAll(() => dir?.cleanup());

describe('npm run dist refuses before building', () => {
  it.each([
    ['AIRLOCK_ELECTRON_DIST is unset', undefined, /^dist: AIRLOCK_ELECTRON_DIST is not set: name the official Electron zip/],
    ['the path does not exist', 'missing.zip', /^dist: AIRLOCK_ELECTRON_DIST names .*missing\.zip, which does not exist\.$/],
    ['the folder lacks the zip', 'empty', new RegExp(`^dist: AIRLOCK_ELECTRON_DIST is the folder .*empty, which has no ${EXPECTED.replaceAll('.', '\\.')}\\.$`)],
    ['the zip is not listed in checksums.json', 'electron-v1.0.0-linux-x64.zip', /^dist: electron-v1\.0\.0-linux-x64\.zip is not an Electron file this version knows/],
    ['the bytes differ from the published SHA-256', EXPECTED, /^dist: electron-v.* does not match its published SHA-256 \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)/],
  ])('when %s', (_case, given, message) => {
    const result = dist(given === undefined ? undefined : join(dir.path, given));
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
