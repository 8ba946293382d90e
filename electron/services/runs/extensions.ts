import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, isAbsolute, join } from 'node:path';
import type { RunConfig } from '../../../schemas/config.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { codeFile, codeName, codeReferences, type CodeLineage, type CodeReferenceObject } from '../../../schemas/extensions.ts';

/** The folder of a run that holds the copies of the user code it runs. */
export const EXTENSIONS_FOLDER = 'extensions';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Copies every file of user code a config names into `<runDir>/extensions/` and points the config at the copies,
 * each with its SHA-256 and the file it came from. The trainer imports only the copies (their paths are relative
 * to the run's config.yaml), so a resume runs the code the run started with even when the original has changed.
 */
export function stageUserCode(config: RunConfig, runDir: string): { config: RunConfig; code: CodeLineage[] } {
  const references = codeReferences(config);
  if (references.length === 0) return { config, code: [] };
  const copies = new Map<string, { copy: string; sha256: string }>(); // source file -> its copy
  const staged = new Map<string, CodeReferenceObject>(); // field -> rewritten reference
  for (const { field, reference } of references) {
    const source = codeFile(reference.path);
    if (!isAbsolute(source)) {
      throw new AirlockError('CONFIG_INVALID', `${field} names ${reference.path}, a relative path, and this config has no file to start it from.`, {
        field,
        hint: 'Give the full path of the Python file (a relative path works in a config file, from that file\'s folder).',
      });
    }
    if (!existsSync(source) || !statSync(source).isFile()) {
      throw new AirlockError('FILE_NOT_FOUND', `The file ${source} named by ${field} does not exist.`, { field, hint: 'Check the path of your Python file.' });
    }
    let entry = copies.get(source);
    if (!entry) {
      mkdirSync(join(runDir, EXTENSIONS_FOLDER), { recursive: true });
      const taken = new Set([...copies.values()].map((value) => value.copy));
      const name = taken.has(`${EXTENSIONS_FOLDER}/${basename(source)}`) ? `${copies.size + 1}-${basename(source)}` : basename(source);
      const copy = `${EXTENSIONS_FOLDER}/${name}`;
      copyFileSync(source, join(runDir, copy));
      entry = { copy, sha256: sha256(join(runDir, copy)) };
      copies.set(source, entry);
    }
    if (reference.sha256 && reference.sha256 !== entry.sha256) {
      throw new AirlockError('EXTENSION_FAILED', `The file ${source} named by ${field} does not match the SHA-256 the config pins (${reference.sha256.slice(0, 12)}…; the file has ${entry.sha256.slice(0, 12)}…).`, {
        field,
        hint: 'Remove the sha256 from the config to run the file as it is now, or restore the pinned version.',
      });
    }
    staged.set(field, { path: `${entry.copy}:${codeName(reference.path)}`, args: reference.args, sha256: entry.sha256, source });
  }
  const pick = (field: string, value: unknown) => staged.get(field) ?? value;
  const list = <T>(field: string, values: T[]) => values.map((value, index) => pick(`${field}[${index}]`, value) as T);
  const rewritten: RunConfig = {
    ...config,
    data: { ...config.data, preprocess: pick('data.preprocess', config.data.preprocess) as RunConfig['data']['preprocess'] },
    training: { ...config.training, loss: pick('training.loss', config.training.loss) as RunConfig['training']['loss'], callbacks: list('training.callbacks', config.training.callbacks) },
    evaluation: { ...config.evaluation, metrics: list('evaluation.metrics', config.evaluation.metrics) },
  };
  const code = [...staged.entries()].map(([field, reference]) => ({ field, path: reference.path, sha256: reference.sha256 ?? null, source: reference.source ?? null }));
  return { config: rewritten, code };
}

/** A config's references to user code taken from `folder` when relative (the config file's folder). */
export function codePathsFrom(config: RunConfig, folder: string): RunConfig {
  const absolute = (value: unknown): unknown => {
    if (typeof value === 'string' && /\.py:/.test(value) && !isAbsolute(codeFile(value))) return join(folder, value);
    if (value && typeof value === 'object' && 'path' in value) {
      const reference = value as CodeReferenceObject;
      return isAbsolute(codeFile(reference.path)) ? reference : { ...reference, path: join(folder, reference.path) };
    }
    return value;
  };
  return {
    ...config,
    data: { ...config.data, preprocess: absolute(config.data.preprocess) as RunConfig['data']['preprocess'] },
    training: { ...config.training, loss: absolute(config.training.loss) as RunConfig['training']['loss'], callbacks: config.training.callbacks.map(absolute) as RunConfig['training']['callbacks'] },
    evaluation: { ...config.evaluation, metrics: config.evaluation.metrics.map(absolute) as RunConfig['evaluation']['metrics'] },
  };
}
