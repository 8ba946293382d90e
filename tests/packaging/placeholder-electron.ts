// A stand-in for an unpacked Electron distribution, for the packaging layout test only: it cannot run
// the app. Its `electron` is a short shell script that carries the fuse sentinel and a fuse wire laid out
// as in real Electron binaries (sentinel, wire version 1, wire length, one byte per fuse: '0' off, '1' on),
// so @electron/fuses finds, flips and reads back fuses the way it does on the real binary.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createPackage } from '@electron/asar';
import { join } from 'node:path';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'; // @electron/fuses' constants.js
/** Electron 39's nine fuses as shipped: RunAsNode, cookie encryption off, NODE_OPTIONS, inspect on, integrity off, asar-only off, snapshot off, file:// privileges on, WASM trap handlers on. */
export const SHIPPED_WIRE = '101100011';

/** Writes the placeholder into `folder` (the files electron-builder copies from an unpacked Linux Electron). */
export async function makePlaceholderElectron(folder: string, version: string): Promise<string> {
  mkdirSync(join(folder, 'resources'), { recursive: true });
  mkdirSync(join(folder, 'locales'), { recursive: true });
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "placeholder Electron: cannot run an app" >&2\nexit 1\n# '),
    Buffer.from(SENTINEL),
    Buffer.from([1, SHIPPED_WIRE.length]),
    Buffer.from(SHIPPED_WIRE),
    Buffer.from('\n'),
  ]);
  writeFileSync(join(folder, 'electron'), script);
  chmodSync(join(folder, 'electron'), 0o755);
  writeFileSync(join(folder, 'chrome-sandbox'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(folder, 'chrome-sandbox'), 0o755);
  writeFileSync(join(folder, 'chrome_crashpad_handler'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(folder, 'chrome_crashpad_handler'), 0o755);
  for (const name of ['libffmpeg.so', 'libEGL.so', 'libGLESv2.so', 'icudtl.dat', 'resources.pak', 'snapshot_blob.bin', 'v8_context_snapshot.bin']) {
    writeFileSync(join(folder, name), `placeholder ${name}\n`);
  }
  writeFileSync(join(folder, 'locales', 'en-US.pak'), 'placeholder\n');
  // A real (tiny) asar: electron-builder hashes every asar in resources/ for the integrity record.
  const defaultApp = join(folder, 'default-app-source');
  mkdirSync(defaultApp);
  writeFileSync(join(defaultApp, 'package.json'), '{"name":"default-app","main":"main.js"}\n');
  writeFileSync(join(defaultApp, 'main.js'), '// placeholder\n');
  await createPackage(defaultApp, join(folder, 'resources', 'default_app.asar'));
  rmSync(defaultApp, { recursive: true });
  writeFileSync(join(folder, 'LICENSE'), 'Placeholder for Electron\'s MIT license.\n');
  writeFileSync(join(folder, 'LICENSES.chromium.html'), '<p>placeholder</p>\n');
  writeFileSync(join(folder, 'version'), version);
  return folder;
}
