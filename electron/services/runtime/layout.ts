import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstalledRuntime, type RuntimeInfo } from '../../../schemas/runtime.ts';

// Where a data folder keeps its training runtime:
//   runtime/current.json      which folder is in use (replaced by rename, so it is always whole)
//   runtime/<version>-<variant>/venv, requirements.lock, install.json
// Only this file knows the layout; the trainer launcher asks it for the interpreter.

/** The data folder's runtime folder. */
export function runtimeRoot(home: string): string {
  return join(home, 'runtime');
}

/** The interpreter inside a virtual environment folder. */
export function venvPython(venv: string): string {
  return process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
}

/** The platform name packs are built for: linux-x86_64, darwin-arm64, win32-x86_64. */
export function currentPlatform(): string {
  const machine = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? (process.platform === 'linux' ? 'aarch64' : 'arm64') : process.arch;
  return `${process.platform}-${machine}`;
}

/** The pack's file name without its .tar: airlock-runtime-<version>-<platform>-py<python>-<variant>. */
export function packBaseName(runtime: Pick<RuntimeInfo, 'version' | 'platform' | 'python' | 'variant'>): string {
  return `airlock-runtime-${runtime.version}-${runtime.platform}-py${runtime.python}-${runtime.variant}`;
}

/** The runtime in use, or null when none was installed (or its record is unreadable). */
export function installedRuntime(home: string): InstalledRuntime | null {
  const pointer = join(runtimeRoot(home), 'current.json');
  if (!existsSync(pointer)) return null;
  try {
    const parsed = InstalledRuntime.safeParse(JSON.parse(readFileSync(pointer, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The installed runtime's interpreter, when one is installed and its environment is still there. */
export function installedPython(home: string): string | null {
  const runtime = installedRuntime(home);
  if (!runtime) return null;
  const python = venvPython(join(runtimeRoot(home), runtime.folder, 'venv'));
  return existsSync(python) ? python : null;
}

/** Points the data folder at a runtime: written beside, then renamed over the old pointer in one step. */
export function switchRuntime(home: string, record: InstalledRuntime): void {
  const pointer = join(runtimeRoot(home), 'current.json');
  const staging = `${pointer}.${process.pid}.partial`;
  writeFileSync(staging, `${JSON.stringify(record, null, 2)}\n`, { flush: true });
  renameSync(staging, pointer);
}
