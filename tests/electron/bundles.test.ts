import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });

describe('Electron bundles and audit', () => {
  it('bundles main (ESM) and a preload that a sandboxed renderer can load', () => {
    const built = node(['build/build-electron.mjs']);
    expect(built.status, built.stderr).toBe(0);
    const preload = readFileSync('dist/electron/preload.cjs', 'utf8');
    // A sandboxed preload can require only `electron` (and a few polyfilled built-ins): everything else is bundled.
    expect([...new Set([...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]))]).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld("airlock"');
    expect(preload).not.toMatch(/exposeInMainWorld\("(ipcRenderer|electron)"/);
    for (const file of ['dist/electron/main.mjs', 'dist/electron/preload.cjs']) expect(node(['--check', file]).status, file).toBe(0);
    const main = readFileSync('dist/electron/main.mjs', 'utf8');
    // Module locations survive bundling: the app root is found from the source file's place, not the bundle's.
    expect(main).toContain('new URL("../../electron/services/trainer/python.ts", import.meta.url)');
    expect(main).not.toMatch(/shell\.openExternal|openExternal\(/);
    expect(JSON.parse(readFileSync('dist/electron/package.json', 'utf8'))).toMatchObject({ main: 'main.mjs', productName: 'Airlock' });
  });

  it('npm run audit:electron: electronegativity finds no HIGH issue and every MEDIUM one is explained', () => {
    const audit = node(['build/audit-electron.mjs']);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/electronegativity \(Electron [\d.]+\): 0 HIGH/);
  });
});
