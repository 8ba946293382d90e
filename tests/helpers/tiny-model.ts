import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const SCRIPT = join('tests', 'fixtures', 'make_tiny_model.py');
const BPE_SCRIPT = join('tests', 'fixtures', 'make_tiny_bpe_models.py');

/** bert: the tiny BERT encoder. gpt2: a GPT-2 style decoder with no padding token (and no chat template). llama: a Llama decoder with a padding token and a chat template. roberta: 514 listed positions, 512 usable. */
export type TinyModelKind = 'bert' | 'gpt2' | 'llama' | 'roberta';

/**
 * A tiny model folder made locally by tests/fixtures/make_tiny_model.py (bert) or make_tiny_bpe_models.py
 * (gpt2, roberta; `positions` overrides their n_positions / max_position_embeddings), built once per script version.
 */
export function tinyModelPath(kind: TinyModelKind = 'bert', positions?: number): string {
  const hash = createHash('sha256').update(readFileSync(SCRIPT));
  if (kind !== 'bert') hash.update(readFileSync(BPE_SCRIPT));
  const version = hash.digest('hex').slice(0, 12);
  const folder = join(tmpdir(), `airlock-tiny-${kind === 'bert' ? 'model' : kind}${positions ? `-${positions}` : ''}-${version}`);
  if (existsSync(join(folder, 'config.json'))) return folder;
  const staging = `${folder}.${process.pid}.partial`;
  const args = kind === 'bert' ? [SCRIPT, staging] : [BPE_SCRIPT, kind, staging, ...(positions ? [String(positions)] : [])];
  const result = spawnSync(join('.venv', 'bin', 'python'), args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args[0]} failed: ${result.stderr}`);
  try {
    renameSync(staging, folder);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another worker won the race
  }
  return folder;
}

const POSITIVE = ['i loved this film, the acting was great', 'the food was fresh and tasty', 'fast, friendly, helpful and reliable service', 'this product is amazing', 'thank you for the quick delivery, everything works perfectly', 'the story was wonderful and the fans cheered'];
const NEGATIVE = ['i hated this film, the plot was terrible', 'the waiter was rude and the soup was cold', 'the engine failed and the screen cracked', 'this product is awful, i want my money back', 'the package arrived broken', 'the train was late again and boring'];

/** A small two-class sentiment CSV (id,review,sentiment) the tiny model can learn quickly. */
export function writeSentimentCsv(path: string, rowsPerClass = 30): string {
  const lines = ['id,review,sentiment'];
  let id = 0;
  for (let index = 0; index < rowsPerClass; index++) {
    lines.push(`${id++},"${POSITIVE[index % POSITIVE.length]} ${index}",positive`);
    lines.push(`${id++},"${NEGATIVE[index % NEGATIVE.length]} ${index}",negative`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** A run config that trains the tiny model on a sentiment CSV in seconds; sections given are merged in. */
export function tinyRunConfig(
  csv: string,
  overrides: { training?: Record<string, unknown>; experiment?: string; deployment?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    model: { name: 'tiny' },
    data: { train_path: csv, text_column: 'review', label_column: 'sentiment', max_length: 32, val_split: 0.2 },
    training: { batch_size: 8, learning_rate: 5e-3, precision: '32-true', ...overrides.training },
    experiment: { name: overrides.experiment ?? 'cli-test' },
    ...(overrides.deployment ? { deployment: overrides.deployment } : {}),
  };
}

/** Writes {@link tinyRunConfig} as YAML to `path` and returns the path. */
export function writeTinyRunConfig(path: string, csv: string, overrides: Parameters<typeof tinyRunConfig>[1] = {}): string {
  writeFileSync(path, stringify(tinyRunConfig(csv, overrides)));
  return path;
}
