import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '../../../schemas/errors.ts';
import { installedPython } from '../runtime/layout.ts';

/** The repository (or installed app) root: where trainer/, resources/ and .venv/ live. */
export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Where files read by other processes live. In the packaged app APP_ROOT is resources/app.asar, which only
 * Electron can read; the trainer and the JSON schemas are unpacked beside it (build/electron-builder.config.ts).
 */
export function unpackedRoot(appRoot: string): string {
  return appRoot.replace(/app\.asar$/, 'app.asar.unpacked');
}
export const UNPACKED_ROOT = unpackedRoot(APP_ROOT);

/** Environment variables passed through to the trainer; everything else is dropped. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'CUDA_VISIBLE_DEVICES', 'OMP_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'LD_LIBRARY_PATH'];

/**
 * The interpreter of the virtual environment `npm run setup` makes in a source checkout, when there is one.
 * AIRLOCK_DEV_VENV names another folder; tests point it at an empty one to see a workstation with no runtime.
 */
export function developmentPython(env: NodeJS.ProcessEnv = process.env): string | null {
  const venv = env.AIRLOCK_DEV_VENV || join(APP_ROOT, '.venv');
  return [join(venv, 'bin', 'python'), join(venv, 'Scripts', 'python.exe')].find((path) => existsSync(path)) ?? null;
}

/**
 * The trainer's Python: AIRLOCK_PYTHON, else the runtime installed into the data folder `home`
 * (`airlock runtime install`), else the virtual environment set-up made in a source checkout.
 */
export function pythonExecutable(env: NodeJS.ProcessEnv = process.env, home?: string): string {
  if (env.AIRLOCK_PYTHON) return env.AIRLOCK_PYTHON;
  const installed = home ? installedPython(home) : null;
  if (installed) return installed;
  const found = developmentPython(env);
  if (!found) {
    throw new AirlockError('TRAINER_NOT_INSTALLED', 'The Python trainer is not installed.', {
      hint: 'Install the training runtime from its pack (`airlock runtime install <pack.tar>`), or run `npm run setup` in a source checkout.',
    });
  }
  return found;
}

/** Command, arguments and environment that start `python -m airlock_trainer <args>` (with `python` when given). */
export function trainerInvocation(args: string[], home: string, env: NodeJS.ProcessEnv = process.env, python?: string) {
  const childEnv: Record<string, string> = {};
  for (const key of PASSED_THROUGH) if (env[key] !== undefined) childEnv[key] = env[key] as string;
  Object.assign(childEnv, {
    PYTHONPATH: join(UNPACKED_ROOT, 'trainer'),
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    AIRLOCK_HOME: home,
    HF_HOME: join(home, 'cache', 'huggingface'),
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_DATASETS_OFFLINE: '1',
    TOKENIZERS_PARALLELISM: 'false',
  });
  return { command: python ?? pythonExecutable(env, home), args: ['-m', 'airlock_trainer', ...args], env: childEnv };
}
