#!/usr/bin/env node
// Builds the renderer into dist/renderer with Vite, skipping the build when no source changed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'renderer');
const stamp = join(root, 'node_modules', '.cache', 'airlock', 'renderer');

function* files(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Hash of every file the bundle is built from: the renderer, the schemas it imports, the lock file. */
function sourcePrint() {
  const hash = createHash('sha256');
  const inputs = [...files(join(root, 'renderer')), ...files(join(root, 'schemas')), join(root, 'package-lock.json')].sort();
  for (const file of inputs) hash.update(relative(root, file)).update(readFileSync(file));
  return hash.digest('hex');
}

const print = sourcePrint();
const force = process.argv.includes('--force');
if (!force && existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === print) process.exit(0);
console.log('setup: building the renderer (vite build)…');
const started = Date.now();
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('setup: the renderer build failed.');
  process.exit(1);
}
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, print);
console.log(`setup: renderer built in ${((Date.now() - started) / 1000).toFixed(1)} s (${statSync(join(outDir, 'index.html')).size} B index.html)`);
