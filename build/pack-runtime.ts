#!/usr/bin/env tsx
// Builds the runtime pack a workstation with no network installs the trainer from:
//   npm run pack:runtime -- --out <folder> [--variant cpu|cu128] [--torch-index <url>] [--python <interpreter>]
// pip resolves trainer/requirements.txt (a dry-run report), downloads exactly those wheels, and the lock pins each
// one with the SHA-256 of the file in the pack (checked against the index's hash where the report has one).
// This is the only step that reads a package index; everything after it is offline.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashFile } from '../electron/services/export/manifest.ts';
import { currentPlatform, packBaseName } from '../electron/services/runtime/layout.ts';
import { sealPack } from '../electron/services/runtime/pack.ts';
import { APP_ROOT } from '../electron/services/trainer/python.ts';
import { DEFAULT_MODEL_ID } from '../schemas/config.ts';
import type { RuntimeInfo } from '../schemas/runtime.ts';

interface ReportItem {
  metadata: { name: string; version: string };
  download_info: { url: string; archive_info?: { hashes?: Record<string, string> } };
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    variant: { type: 'string', default: 'cpu' },
    'torch-index': { type: 'string' },
    python: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`pack:runtime: ${message}`);
  process.exit(1);
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
  return result.stdout;
}

async function main(): Promise<void> {
  if (!values.out) fail('give the folder to write the pack into: npm run pack:runtime -- --out <folder>');
  const variant = values.variant;
  if (variant !== 'cpu' && variant !== 'cu128') fail(`--variant is cpu or cu128, not "${variant}".`);
  const python = values.python ?? join(APP_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(python) && !values.python) fail(`${python} does not exist: run \`npm run setup\` or pass --python.`);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const pyVersion = run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).trim();
  const version = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')).version as string;
  const name = packBaseName({ version, platform: currentPlatform(), python: pyVersion, variant });
  const staging = join(out, `${name}.partial`);
  rmSync(staging, { recursive: true, force: true });
  const wheels = join(staging, 'wheels');
  mkdirSync(wheels, { recursive: true });
  // cu128: torch's CUDA 12.8 wheels live on their own index; the CPU variant takes whatever pip is configured with
  // (this build machine serves torch's +cpu wheel from local disk).
  const torchIndex = values['torch-index'] ?? (variant === 'cu128' ? 'https://download.pytorch.org/whl/cu128' : undefined);
  const indexArgs = torchIndex ? ['--extra-index-url', torchIndex] : [];
  const report = join(staging, 'report.json');
  console.error('pack:runtime: resolving trainer/requirements.txt…');
  // CUDA packs add what only an NVIDIA GPU can use (bitsandbytes for QLoRA).
  const cudaExtras = variant === 'cu128' ? ['-r', join(APP_ROOT, 'trainer', 'requirements-cuda.txt')] : [];
  run(python, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--only-binary', ':all:', '--quiet', ...indexArgs, '--report', report, '-r', join(APP_ROOT, 'trainer', 'requirements.txt'), ...cudaExtras]);
  const items = (JSON.parse(readFileSync(report, 'utf8')).install as ReportItem[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  rmSync(report);
  const torch = items.find((item) => item.metadata.name.toLowerCase() === 'torch');
  if (!torch) fail('the resolution holds no torch.');
  const wantTag = variant === 'cpu' ? '+cpu' : '+cu128';
  if (!torch.metadata.version.endsWith(wantTag)) {
    fail(`pip chose torch ${torch.metadata.version}, not a ${wantTag} build. Give --torch-index with the PyTorch wheel index for ${variant} (https://download.pytorch.org/whl/${variant} or your mirror).`);
  }
  console.error(`pack:runtime: downloading ${items.length} wheels (torch ${torch.metadata.version})…`);
  const pins = join(staging, 'pins.txt');
  writeFileSync(pins, items.map((item) => `${item.metadata.name}==${item.metadata.version}\n`).join(''));
  run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:', '--quiet', ...indexArgs, '-d', wheels, '-r', pins]);
  rmSync(pins);
  const lock: string[] = [`# Airlock ${version} runtime (${variant}, Python ${pyVersion}, ${currentPlatform()}): every package the trainer needs.`, '# Install: pip install --no-index --find-links wheels --require-hashes -r requirements.lock'];
  const files = new Set(readdirSync(wheels));
  for (const item of items) {
    const file = decodeURIComponent(basename(new URL(item.download_info.url).pathname));
    if (!files.has(file)) fail(`pip download did not write ${file} (${item.metadata.name} ${item.metadata.version}).`);
    files.delete(file);
    const { sha256 } = await hashFile(join(wheels, file));
    const expected = item.download_info.archive_info?.hashes?.sha256;
    if (expected && expected !== sha256) fail(`${file} does not match the SHA-256 its index published (${expected}).`);
    lock.push(`${item.metadata.name}==${item.metadata.version} --hash=sha256:${sha256}`);
  }
  if (files.size) fail(`pip download wrote files the resolution did not name: ${[...files].join(', ')}.`);
  writeFileSync(join(staging, 'requirements.lock'), `${lock.join('\n')}\n`);
  const model = join(APP_ROOT, 'resources', 'models', DEFAULT_MODEL_ID);
  if (!existsSync(join(model, 'config.json'))) fail(`the default model is missing at ${model}: run \`npm run setup\`.`);
  cpSync(model, join(staging, 'models', DEFAULT_MODEL_ID), { recursive: true, dereference: true });
  const runtime: RuntimeInfo = { version, platform: currentPlatform(), python: pyVersion, variant, torch: torch.metadata.version, lock: 'requirements.lock', wheels: 'wheels', models: 'models' };
  const target = join(out, `${name}.tar`);
  rmSync(target, { force: true });
  console.error('pack:runtime: writing manifest.json and the archive…');
  const sealed = await sealPack(staging, runtime, out);
  writeFileSync(`${target}.sha256`, `${sealed.archiveSha256}  ${basename(target)}\n`);
  rmSync(staging, { recursive: true, force: true });
  console.error(`pack:runtime: ${items.length} packages, ${sealed.files} files, ${(sealed.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  console.log(`pack: ${sealed.archive}`);
  console.log(`manifest.json SHA-256: ${sealed.manifestSha256}`);
  console.log(`archive SHA-256: ${sealed.archiveSha256}`);
}

await main();
