#!/usr/bin/env node
// `npm start`: set-up (first run), the renderer build, then the Electron app when its binary is installed,
// else the web UI on 127.0.0.1 (as on offline build machines, where set-up skips Electron's download).
// `npm start -- --web [--port P] [--no-open]` always starts the web UI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function step(script) {
  const result = spawnSync(process.execPath, [join(root, 'build', script)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The Electron binary's path, or why there is none. */
function electronBinary() {
  let binary;
  try {
    // The electron package exports its binary's path; it throws when the download was skipped.
    binary = createRequire(import.meta.url)('electron');
  } catch {
    return { missing: 'Electron is not installed on this machine (its binary download is skipped offline: ELECTRON_SKIP_BINARY_DOWNLOAD)' };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { missing: `Electron's binary is missing (${binary})` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { missing: 'There is no display to open a window on' };
  return { binary };
}

/** Runs a child in the foreground: Ctrl-C reaches it through the terminal, and its exit code becomes ours. */
function foreground(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

step('setup.mjs');
step('build-renderer.mjs');

const electron = args.includes('--web') ? { missing: null } : electronBinary();
if (electron.binary) {
  step('build-electron.mjs');
  foreground(electron.binary, [join(root, 'dist', 'electron')]);
} else {
  if (electron.missing) console.log(`${electron.missing}; starting the web UI instead: open the address below in a browser.`);
  const webArgs = args.filter((arg) => arg !== '--web');
  foreground(process.execPath, [join(root, 'electron', 'cli', 'airlock.mjs'), 'web', ...webArgs]);
}
