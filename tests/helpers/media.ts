/** Tiny image and audio models and synthetic media folders for the tests, made locally with the trainer's Python. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = join('.venv', 'bin', 'python');
const MODELS_SCRIPT = join('tests', 'fixtures', 'make_tiny_media_models.py');
const MEDIA_SCRIPT = join('tests', 'helpers', 'make_media.py');

function python(args: string[]): void {
  const result = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args[0]} failed: ${result.stderr}`);
}

/** A tiny model folder (random weights, with its processor), built once per script version and shared by tests. */
export function tinyMediaModelPath(kind: 'vit' | 'wav2vec2'): string {
  const version = createHash('sha256').update(readFileSync(MODELS_SCRIPT)).digest('hex').slice(0, 12);
  const folder = join(tmpdir(), `airlock-tiny-${kind}-${version}`);
  if (existsSync(join(folder, 'config.json'))) return folder;
  const staging = `${folder}.${process.pid}.partial`;
  python([MODELS_SCRIPT, kind, staging]);
  try {
    renameSync(staging, folder);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another worker won the race
  }
  return folder;
}

/** A synthetic folder of class subfolders (see tests/helpers/make_media.py for the kinds and options). */
export function makeMediaFolder(kind: 'digits' | 'shapes' | 'colours' | 'tones', folder: string, options: readonly string[] = []): string {
  python([MEDIA_SCRIPT, kind, folder, ...options]);
  return folder;
}
