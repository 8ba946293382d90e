// The packaged app's layout, built by the real electron-builder (build/package-app.ts, the step `npm run dist`
// runs) from a PLACEHOLDER Electron folder: this checks what is packed where, with which modes, and that
// the fuses are flipped, never that the app runs (tests/packaging/electron-smoke.test.ts does that with a
// real Electron). The build runs under `unshare -n` as root, so it provably downloads nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseFuses, RUNTIME_MODULES, SQLITE_NODE } from '../../build/electron-builder.config.ts';
import { unpackZip } from '../../build/electron-dist.ts';
import { unpackedRoot } from '../../electron/services/trainer/python.ts';
import { tempDir } from '../helpers/home.ts';
import { makePlaceholderElectron } from './placeholder-electron.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const ELECTRON_VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version as string;
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const REPORT = join(ROOT, 'test-results', 'packaging-layout.txt');
const ON = 49; // '1' in the fuse wire
const OFF = 48; // '0'

let dir: ReturnType<typeof tempDir>;
let out: string;
let appDir: string;
let asarFiles: string[];
let networkCut = 'none';
let buildSeconds = 0;
let rebuiltSqlite: Buffer;

function sh(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  for (const script of ['build/build-renderer.mjs', 'build/build-electron.mjs']) sh(process.execPath, [script], ROOT);
  dir = tempDir('airlock-packaging-');
  // Zipped and unpacked again by npm run dist's own step (unzip keeps the modes, the demo app is dropped).
  const placeholder = await makePlaceholderElectron(join(dir.path, 'placeholder'), ELECTRON_VERSION);
  sh('zip', ['-qr', join(dir.path, 'electron.zip'), '.'], placeholder);
  const electron = join(dir.path, 'electron');
  unpackZip(join(dir.path, 'electron.zip'), electron);
  out = join(dir.path, 'out');
  // Stands in for better-sqlite3 rebuilt for Electron (build/native-rebuild.ts): the Node build plus a marker, so the test sees which one was packed.
  rebuiltSqlite = Buffer.concat([readFileSync(join(ROOT, SQLITE_NODE)), Buffer.from('\0rebuilt-for-electron')]);
  writeFileSync(join(dir.path, 'better_sqlite3.node'), rebuiltSqlite);
  const args = [TSX, 'build/package-app.ts', '--electron-dist', electron, '--electron-version', ELECTRON_VERSION, '--out', out, '--sqlite-node', join(dir.path, 'better_sqlite3.node')];
  // As root (CI), no network at all; elsewhere the build runs as is and the report says so.
  const root = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
  if (root) networkCut = 'unshare -n';
  else console.warn('packaging layout: not root, so the build ran WITHOUT `unshare -n`.');
  const started = Date.now();
  const result = spawnSync(root ? 'unshare' : process.execPath, root ? ['-n', process.execPath, ...args] : args, { cwd: ROOT, encoding: 'utf8' });
  buildSeconds = (Date.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`build/package-app.ts failed:\n${result.stdout}\n${result.stderr}`);
  appDir = join(out, 'linux-unpacked');
  asarFiles = listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
}, 180_000);

afterAll(() => dir?.cleanup());

const unpacked = (path: string) => join(appDir, 'resources', 'app.asar.unpacked', path);

describe('packaging layout (placeholder Electron, not a run of the app)', () => {
  it('packs the bundled main, preload and renderer with a package.json pointing at the bundle', () => {
    for (const file of ['/package.json', '/dist/electron/main.mjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html']) expect(asarFiles).toContain(file);
    expect(asarFiles.some((file) => file.startsWith('/dist/renderer/assets/') && file.endsWith('.js'))).toBe(true);
    const packed = JSON.parse(extractFile(join(appDir, 'resources', 'app.asar'), 'package.json').toString());
    expect(packed.main).toBe('dist/electron/main.mjs');
    expect(packed.version).toBe(PKG.version);
  });

  it('packs the runtime modules the bundle loads, and no devDependencies, tests, sources or source maps', () => {
    const modules = new Set(asarFiles.filter((file) => file.startsWith('/node_modules/')).map((file) => file.split('/')[2]));
    expect([...modules].sort()).toEqual([...RUNTIME_MODULES].sort());
    // Every bare import left in the main bundle is Electron's, Node's, or packed.
    const bundle = readFileSync(join(ROOT, 'dist', 'electron', 'main.mjs'), 'utf8');
    const imports = new Set([...bundle.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*)["']((?:@[a-z0-9_-][a-z0-9._-]*\/)?[a-z0-9_-][a-z0-9._-]*)(?:\/[\w./-]+)?["']/g)].map((match) => match[1]));
    const external = [...imports].filter((name) => name !== 'electron' && !name.startsWith('node:') && !builtinModules.includes(name));
    expect(external.length).toBeGreaterThan(0);
    for (const name of external) expect(RUNTIME_MODULES, `main.mjs loads ${name}`).toContain(name);
    for (const name of Object.keys(PKG.devDependencies)) expect(asarFiles.some((file) => file.startsWith(`/node_modules/${name}/`)), name).toBe(false);
    for (const prefix of ['/tests/', '/electron/', '/renderer/', '/build/', '/docs/', '/.venv/', '/resources/models/']) {
      expect(asarFiles.filter((file) => file.startsWith(prefix)), prefix).toEqual([]);
    }
    expect(asarFiles.filter((file) => /\.(map|ts|tsx)$/.test(file))).toEqual([]);
  });

  it("unpacks better-sqlite3's native module (the Electron build), the trainer, its schemas and the sample from the asar", () => {
    expect(statFile(join(appDir, 'resources', 'app.asar'), SQLITE_NODE)).toMatchObject({ unpacked: true });
    // The Electron build given to the packaging step replaces the Node build; node_modules keeps its own.
    expect(readFileSync(unpacked(SQLITE_NODE)).equals(rebuiltSqlite)).toBe(true);
    expect(readFileSync(join(ROOT, SQLITE_NODE)).equals(rebuiltSqlite)).toBe(false);
    for (const file of ['trainer/airlock_trainer/__main__.py', 'trainer/airlock_trainer/train.py', 'trainer/requirements.txt', 'schemas/json/error-codes.json', 'schemas/json/run-config.schema.json', 'resources/sample/wordnet-topics.csv']) {
      expect(existsSync(unpacked(file)), file).toBe(true);
    }
    // The trainer finds its schemas as ../../schemas/json from its package (trainer/airlock_trainer/paths.py).
    expect(existsSync(join(unpacked('trainer/airlock_trainer'), '..', '..', 'schemas', 'json', 'trainer-event.schema.json'))).toBe(true);
    expect(existsSync(unpacked('trainer/airlock_trainer/__pycache__'))).toBe(false);
    // The main process, whose root is resources/app.asar, points Python at this unpacked copy.
    expect(unpackedRoot(join(appDir, 'resources', 'app.asar'))).toBe(join(appDir, 'resources', 'app.asar.unpacked'));
    expect(unpackedRoot(ROOT)).toBe(ROOT);
  });

  it('leaves the executables executable and drops Electron’s demo app', () => {
    expect(statSync(join(appDir, 'airlock')).mode & 0o777).toBe(0o755);
    expect(statSync(join(appDir, 'chrome-sandbox')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(appDir, 'resources', 'default_app.asar'))).toBe(false);
    expect(existsSync(join(appDir, 'LICENSE.electron.txt'))).toBe(true);
  });

  it('flips the fuses in the packaged executable (read back from its fuse wire)', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'airlock'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(OFF);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ON);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(OFF);
    // Linux Electron has no asar integrity check; Windows and macOS builds turn it on.
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(OFF);
    expect(releaseFuses('win32', 'x64')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(releaseFuses('darwin', 'arm64')).toMatchObject({ [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true, resetAdHocDarwinSignature: true });
  });

  it('makes a .tar.gz with one top folder, owned by root, modes kept', () => {
    const name = `airlock-${PKG.version}-linux-x64`;
    const listing = sh('tar', ['-tzvf', join(out, `${name}.tar.gz`)]).trim().split('\n');
    expect(listing.every((line) => line.includes(' 0/0 ') && line.split(/\s+/)[5].startsWith(`${name}/`))).toBe(true);
    expect(listing.find((line) => line.endsWith(`${name}/airlock`))).toMatch(/^-rwxr-xr-x/);
    expect(listing.some((line) => line.endsWith(`${name}/resources/app.asar.unpacked/${SQLITE_NODE}`))).toBe(true);
    expect(listing.some((line) => line.endsWith(`${name}/resources/app.asar.unpacked/trainer/airlock_trainer/__main__.py`))).toBe(true);
  });

  it('makes a .deb with its control fields, /opt/Airlock, /usr/bin/airlock, a desktop entry and a setuid chrome-sandbox', () => {
    const deb = join(out, `airlock_${PKG.version}_amd64.deb`);
    const field = (name: string) => sh('dpkg-deb', ['-f', deb, name]).trim();
    expect(field('Package')).toBe('airlock');
    expect(field('Version')).toBe(PKG.version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Maintainer')).toMatch(/<.+@.+>/);
    expect(field('Depends')).toContain('libnss3');
    expect(field('Depends')).toContain('libgtk-3-0');
    expect(field('Description')).toMatch(/offline/);
    const contents = sh('dpkg-deb', ['-c', deb]).trim().split('\n');
    const entry = (path: string) => contents.find((line) => line.endsWith(` ${path}`) || line.includes(` ${path} -> `));
    expect(entry('./opt/Airlock/airlock')).toMatch(/^-rwxr-xr-x root\/root/);
    expect(entry('./opt/Airlock/chrome-sandbox')).toMatch(/^-rwsr-xr-x root\/root/);
    expect(entry('./usr/bin/airlock')).toMatch(/^lrwxrwxrwx root\/root .* -> \/opt\/Airlock\/airlock$/);
    expect(entry('./usr/share/applications/airlock.desktop')).toMatch(/^-rw-r--r-- root\/root/);
    expect(entry(`./opt/Airlock/resources/app.asar.unpacked/${SQLITE_NODE}`)).toBeDefined();
    expect(entry('./opt/Airlock/resources/app.asar')).toMatch(/^-rw-r--r-- root\/root/);
    expect(contents.every((line) => line.includes(' root/root '))).toBe(true);
    writeSummary(contents.length, deb);
  });

  it('lists every artifact in SHA256SUMS, which sha256sum -c accepts', () => {
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`  airlock-${PKG.version}-linux-x64.tar.gz`);
    expect(sums).toContain(`  airlock_${PKG.version}_amd64.deb`);
    expect(sh('sha256sum', ['-c', 'SHA256SUMS'], out)).toMatch(/OK\n.*OK\n$/);
  });
});

/** The packaged file list summary, printed and kept in test-results/packaging-layout.txt for the release notes. */
function writeSummary(debEntries: number, deb: string): void {
  const files = asarFiles.filter((file) => !statFile(join(appDir, 'resources', 'app.asar'), file.slice(1)).hasOwnProperty('files'));
  const packedInAsar = files.filter((file) => !(statFile(join(appDir, 'resources', 'app.asar'), file.slice(1)) as { unpacked?: boolean }).unpacked);
  const unpackedFiles = files.filter((file) => !packedInAsar.includes(file));
  const lines = [
    `Packaging layout test (placeholder Electron ${ELECTRON_VERSION}, not a run of the app); network: ${networkCut}; build ${buildSeconds.toFixed(1)} s`,
    `app.asar: ${files.length} files listed, ${packedInAsar.length} inside the archive, ${unpackedFiles.length} in app.asar.unpacked`,
    ...packedInAsar.map((file) => `  asar ${file}`),
    ...unpackedFiles.map((file) => `  unpacked ${file}`),
    `deb control:`,
    ...sh('dpkg-deb', ['-f', deb]).trim().split('\n').map((line) => `  ${line}`),
    `deb entries: ${debEntries}`,
    `SHA256SUMS:`,
    ...readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => `  ${line}`),
  ];
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(REPORT, `${lines.join('\n')}\n`);
  console.log(lines.filter((line) => !line.startsWith('  asar ') && !line.startsWith('  unpacked ')).join('\n'));
}
