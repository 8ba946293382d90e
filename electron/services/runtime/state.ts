import { join } from 'node:path';
import type { RuntimeState } from '../../../schemas/runtime.ts';
import { developmentPython } from '../trainer/python.ts';
import { installedPython, installedRuntime, runtimeRoot } from './layout.ts';

/**
 * Which Python trainer commands use in the data folder `home`, and why: the same order as `pythonExecutable`
 * (AIRLOCK_PYTHON, the installed runtime, a checkout's .venv), answered without starting Python so that the
 * app's first screen can ask it at once.
 */
export function runtimeState(home: string, env: NodeJS.ProcessEnv = process.env): RuntimeState {
  const installed = installedRuntime(home);
  const python = installedPython(home);
  const problem = installed && !python ? `The runtime ${installed.runtime.version} (${installed.runtime.variant}) is recorded, but its environment folder ${join(runtimeRoot(home), installed.folder, 'venv')} is gone.` : null;
  if (env.AIRLOCK_PYTHON) return { source: 'environment-variable', python: env.AIRLOCK_PYTHON, installed, problem };
  if (python) return { source: 'installed', python, installed, problem };
  const development = developmentPython(env);
  if (development) return { source: 'development', python: development, installed, problem };
  return { source: 'none', python: null, installed, problem };
}
