#!/usr/bin/env node
// Bundles the Electron main process (ESM, dist/electron/main.mjs) and the preload (CommonJS,
// dist/electron/preload.cjs: a sandboxed renderer's preload cannot load modules from disk) with esbuild.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'electron');

/**
 * Modules that find files relative to themselves (`import.meta.url`, e.g. the app root the trainer runs
 * from) keep their source location: the reference is rewritten relative to the bundle, so a moved
 * checkout still works.
 */
const keepModuleLocation = {
  name: 'keep-module-location',
  setup(context) {
    context.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(outDir, args.path).split('\\').join('/');
      const contents = source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
      return { contents, loader: 'ts' };
    });
  },
};

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root };

await build({
  ...common,
  entryPoints: [join(root, 'electron', 'main', 'main.ts')],
  outfile: join(outDir, 'main.mjs'),
  format: 'esm',
  // better-sqlite3 is a native module; electron is provided by the runtime.
  external: ['electron', 'better-sqlite3'],
  plugins: [keepModuleLocation],
  // esbuild's ESM output may still call require() for Node built-ins bundled from CommonJS packages.
  banner: { js: "import { createRequire as airlockCreateRequire } from 'node:module'; const require = airlockCreateRequire(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: [join(root, 'electron', 'preload', 'preload.ts')],
  outfile: join(outDir, 'preload.cjs'),
  format: 'cjs',
  external: ['electron'],
});

mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'package.json'),
  JSON.stringify({ name: 'airlock', productName: 'Airlock', version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version, main: 'main.mjs', type: 'module' }, null, 2) + '\n',
);
if (process.argv.includes('--verbose')) console.log(`built ${pathToFileURL(outDir)}`);
