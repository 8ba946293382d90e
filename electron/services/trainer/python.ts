import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '../../../schemas/errors.ts';

/** The repository (or installed app) root: where trainer/, resources/ and .venv/ live. */
export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Environment variables passed through to the trainer; everything else is dropped. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'CUDA_VISIBLE_DEVICES', 'OMP_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'LD_LIBRARY_PATH'];

/** The bundled Python interpreter: AIRLOCK_PYTHON, else the virtual environment set-up made. */
export function pythonExecutable(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_PYTHON) return env.AIRLOCK_PYTHON;
  const candidates = [join(APP_ROOT, '.venv', 'bin', 'python'), join(APP_ROOT, '.venv', 'Scripts', 'python.exe')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new AirlockError('TRAINER_NOT_INSTALLED', 'The Python trainer is not installed.', {
      hint: 'Run `npm run setup` once to create it.',
    });
  }
  return found;
}

/** Command, arguments and environment that start `python -m airlock_trainer <args>`. */
export function trainerInvocation(args: string[], home: string, env: NodeJS.ProcessEnv = process.env) {
  const childEnv: Record<string, string> = {};
  for (const key of PASSED_THROUGH) if (env[key] !== undefined) childEnv[key] = env[key] as string;
  Object.assign(childEnv, {
    PYTHONPATH: join(APP_ROOT, 'trainer'),
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    AIRLOCK_HOME: home,
    HF_HOME: join(home, 'cache', 'huggingface'),
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_DATASETS_OFFLINE: '1',
    TOKENIZERS_PARALLELISM: 'false',
  });
  return { command: pythonExecutable(env), args: ['-m', 'airlock_trainer', ...args], env: childEnv };
}
