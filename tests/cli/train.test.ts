import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import Database from 'better-sqlite3';
import { airlock, airlockInBackground, waitFor } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';

/** Writes a config for the tiny model on the sentiment CSV, with `training` overrides. */
function writeConfig(dir: string, name: string, csv: string, training: Record<string, unknown>): string {
  return writeTinyRunConfig(join(dir, name), csv, { training });
}

function stepEvents(runDir: string): number {
  const path = join(runDir, 'events.jsonl');
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((line) => line && JSON.parse(line).type === 'step').length;
}

describe('airlock CLI: training and run history', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  let csv: string;
  beforeAll(() => {
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 40);
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
  });
  afterAll(() => dir.cleanup());

  it('trains to completion and records the run, its metrics and its model', () => {
    const config = writeConfig(dir.path, 'run.yaml', csv, { max_epochs: 2 });
    const result = airlock(home, ['train', config, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const run = result.json.run;
    expect(run.status).toBe('completed');
    expect(run.metrics['val/accuracy']).toBeGreaterThanOrEqual(0);
    expect(run.metrics['val/f1_macro']).toBeGreaterThanOrEqual(0);
    expect(run.device).toBeTruthy();
    expect(run.durationS).toBeGreaterThan(0);
    expect(existsSync(join(run.modelDir, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(run.runDir, 'config.yaml'))).toBe(true);
    expect(parse(readFileSync(join(run.runDir, 'config.yaml'), 'utf8')).data.text_column).toBe('review');

    const listed = airlock(home, ['runs', '--json']);
    expect(listed.json.runs.map((entry: { id: string }) => entry.id)).toContain(run.id);
    const shown = airlock(home, ['runs', 'show', run.id, '--json']);
    const losses = shown.json.run.curves.filter((point: { key: string }) => point.key === 'train/loss');
    expect(losses.length).toBeGreaterThan(0);
    expect(shown.json.run.curves.some((point: { key: string }) => point.key === 'val/accuracy')).toBe(true);

    const db = new Database(join(home, 'airlock.db'), { readonly: true });
    const events = db.prepare('SELECT type FROM events WHERE run_id = ? ORDER BY seq').all(run.id) as { type: string }[];
    db.close();
    expect(events.map((event) => event.type)).toContain('started');
    expect(events.filter((event) => event.type === 'step').length).toBeGreaterThan(0);
    expect(events.at(-1)!.type).toBe('finished');
  });

  it('trains on messy files through their canonical tables: Latin-1 with semicolons, JSON Lines with a BOM', () => {
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((line) => {
      const [id, review, sentiment] = line.match(/^(\d+),"(.*)",(\w+)$/)!.slice(1);
      return { id, review: `${review} café`, sentiment };
    });
    const latin1 = join(dir.path, 'latin1.csv');
    writeFileSync(latin1, Buffer.from(['id;review;sentiment', ...rows.map((row) => `${row.id};${row.review};${row.sentiment}`)].join('\r\n'), 'latin1'));
    const jsonl = join(dir.path, 'bom.jsonl');
    writeFileSync(jsonl, '\ufeff' + rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    for (const file of [latin1, jsonl]) {
      const result = airlock(home, ['train', writeConfig(dir.path, 'messy.yaml', file, { max_steps: 3 }), '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json.run.status).toBe('completed');
    }
    const imported = airlock(home, ['datasets', '--json']).json.datasets;
    const converted = imported.find((dataset: { encoding: string }) => dataset.encoding === 'latin-1');
    expect(converted.dataPath).toMatch(/table\.jsonl$/);
    expect(converted.detection.warnings.map((warning: { code: string }) => warning.code)).toContain('ENCODING_CONVERTED');
    expect(imported.find((dataset: { format: string }) => dataset.format === 'jsonl').dataPath).toMatch(/table\.jsonl$/);
  });

  it('refuses a config naming a missing column before starting, with the columns that exist', () => {
    const config = writeConfig(dir.path, 'bad.yaml', csv, { max_epochs: 1 });
    const edited = parse(readFileSync(config, 'utf8'));
    edited.data.label_column = 'mood';
    writeFileSync(config, stringify(edited));
    const result = airlock(home, ['train', config, '--json']);
    expect(result.code).not.toBe(0);
    expect(result.json.error.code).toBe('DATASET_COLUMN_MISSING');
    expect(result.json.error.hint).toContain('sentiment');
  });

  it('cancels on Ctrl-C with a checkpoint, and resumes to completion', async () => {
    const config = writeConfig(dir.path, 'long.yaml', csv, { max_epochs: 200 });
    const { child, finished } = airlockInBackground(home, ['train', config, '--json']);
    const runDir = await waitFor(() => {
      const db = new Database(join(home, 'airlock.db'), { readonly: true });
      const row = db.prepare("SELECT run_dir FROM runs WHERE config LIKE '%\"max_epochs\":200%' ORDER BY created_at DESC").get() as { run_dir: string } | undefined;
      db.close();
      return row && stepEvents(row.run_dir) > 2 && existsSync(join(row.run_dir, 'checkpoints')) ? row.run_dir : undefined;
    }, 90_000, 'training steps');
    child.kill('SIGINT');
    const cancelled = await finished;
    expect(cancelled.json.run.status, cancelled.stderr).toBe('cancelled');
    expect(existsSync(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(true);

    // Shorten the run so the resumed attempt finishes quickly: resume reads the run's config.yaml.
    const lastStep = Math.max(...readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((event) => event.type === 'step').map((event) => event.step));
    const runConfig = parse(readFileSync(join(runDir, 'config.yaml'), 'utf8'));
    runConfig.training.max_steps = lastStep + 12;
    writeFileSync(join(runDir, 'config.yaml'), stringify(runConfig));
    const resumed = airlock(home, ['resume', cancelled.json.run.id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json.run.status).toBe('completed');
    const shown = airlock(home, ['runs', 'show', cancelled.json.run.id, '--json']);
    expect(shown.json.run.attempts).toBe(2);
    const steps = shown.json.run.curves.filter((point: { key: string }) => point.key === 'train/loss').map((point: { step: number }) => point.step);
    expect(Math.max(...steps)).toBe(lastStep + 12); // the resumed attempt continued the step count
  });

  it('marks a run whose app process died as interrupted at the next start, and resumes it', async () => {
    const config = writeConfig(dir.path, 'crash.yaml', csv, { max_epochs: 3 });
    const { child, finished } = airlockInBackground(home, ['train', config, '--json']);
    const row = await waitFor(() => {
      const db = new Database(join(home, 'airlock.db'), { readonly: true });
      const found = db.prepare("SELECT id, run_dir, pid FROM runs WHERE run_dir LIKE '%' AND config LIKE '%\"max_epochs\":3%' AND status = 'running' ORDER BY created_at DESC").get() as { id: string; run_dir: string; pid: number } | undefined;
      db.close();
      return found && existsSync(join(found.run_dir, 'checkpoints', 'last.ckpt')) ? found : undefined;
    }, 90_000, 'a checkpoint');
    child.kill('SIGKILL');
    process.kill(row.pid, 'SIGKILL');
    await finished;
    const listed = airlock(home, ['runs', '--json']);
    expect(listed.json.runs.find((run: { id: string }) => run.id === row.id).status).toBe('interrupted');
    const resumed = airlock(home, ['resume', row.id, '--json']);
    expect(resumed.json.run.status, resumed.stderr).toBe('completed');
  });
});
