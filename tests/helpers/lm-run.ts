import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfig } from '../../schemas/config.ts';
import { homePaths } from '../../electron/services/home.ts';
import { openDatabase } from '../../electron/services/store/database.ts';
import { RunTable } from '../../electron/services/store/runs.ts';

/**
 * Records a completed causal_lm run in `home`'s run history whose model/ folder is what training leaves
 * (tests/fixtures/make_tiny_lm_run_model.py): a LoRA adapter on the cached model `baseId`, or a full model.
 * Until the trainer's causal_lm training is wired in, this is how register, predict and export get such a run.
 */
export function addLmRun(home: string, options: { runId: string; baseId: string; basePath: string; method: 'lora' | 'full' }): string {
  const paths = homePaths(home);
  const runDir = join(paths.runs, options.runId);
  const modelDir = join(runDir, 'model');
  mkdirSync(runDir, { recursive: true });
  const made = spawnSync(join('.venv', 'bin', 'python'), [join('tests', 'fixtures', 'make_tiny_lm_run_model.py'), options.basePath, modelDir, options.method, options.baseId], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_tiny_lm_run_model.py failed: ${made.stderr}`);
  const config = RunConfig.parse({
    model: { name: options.baseId, task: 'causal_lm' },
    data: { train_path: join(home, 'pairs.jsonl'), format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion', text_column: null, label_column: null, max_length: 32 },
    training: { finetuning: options.method },
    experiment: { name: 'assistant' },
  });
  const db = openDatabase(paths.database);
  try {
    const runs = new RunTable(db);
    const now = new Date().toISOString();
    runs.create({ id: options.runId, experiment: 'assistant', datasetId: null, modelId: options.baseId, config, runDir, createdAt: now });
    runs.finish(options.runId, { status: 'completed', metrics: { 'val/loss': 1.5, 'val/perplexity': 4.48 }, modelDir, durationS: 1 }, now);
  } finally {
    db.close();
  }
  return modelDir;
}
