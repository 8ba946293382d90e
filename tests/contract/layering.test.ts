import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

/** Every TypeScript file under `folder`. */
function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|mts)$/.test(name) ? [path] : [];
  });
}

/** The module specifiers a file imports (static imports, re-exports and dynamic imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)];
  return found.map((match) => match[1] ?? match[2] ?? match[3]);
}

/** Top-level area (schemas, electron/services, electron/cli, ...) that a relative import lands in. */
function areaOf(file: string, specifier: string): string {
  const target = relative(process.cwd(), resolve(dirname(file), specifier));
  const [top, second] = target.split('/');
  return top === 'electron' ? `electron/${second}` : top;
}

const RULES: { folder: string; allowedAreas: string[]; allowedPackages: RegExp }[] = [
  { folder: 'schemas', allowedAreas: ['schemas'], allowedPackages: /^zod$/ },
  { folder: 'electron/services', allowedAreas: ['schemas', 'electron/services'], allowedPackages: /^(node:|better-sqlite3$|yaml$|hyparquet|@streamparser\/json$|zod$|tar$|yauzl$)/ },
  { folder: 'electron/cli', allowedAreas: ['schemas', 'electron/services', 'electron/web', 'electron/cli'], allowedPackages: /^(node:|yaml$|zod$|tsx\/)/ },
  { folder: 'electron/web', allowedAreas: ['schemas', 'electron/services', 'electron/web'], allowedPackages: /^(node:|ws$)/ },
  { folder: 'electron/main', allowedAreas: ['schemas', 'electron/services', 'electron/web', 'electron/preload', 'electron/main'], allowedPackages: /^(node:|electron$)/ },
  { folder: 'electron/preload', allowedAreas: ['schemas', 'electron/preload'], allowedPackages: /^electron$/ },
  // The renderer knows only window.airlock and the shapes in schemas/: never the services or Node.
  { folder: 'renderer/src', allowedAreas: ['schemas', 'renderer'], allowedPackages: /^(react|react-dom(\/client)?|react\/jsx-runtime|zustand(\/.*)?|recharts|zod)$/ },
];

describe('layering: dependencies point one way', () => {
  it.each(RULES)('$folder imports only what its layer may', ({ folder, allowedAreas, allowedPackages }) => {
    const violations: string[] = [];
    for (const file of sources(folder)) {
      for (const specifier of importsOf(file)) {
        const ok = specifier.startsWith('.') ? allowedAreas.includes(areaOf(file, specifier)) : allowedPackages.test(specifier);
        if (!ok) violations.push(`${file} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
