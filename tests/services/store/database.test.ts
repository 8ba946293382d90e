import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../../electron/services/store/database.ts';
import { MIGRATIONS } from '../../../electron/services/store/migrations.ts';
import { RunTable } from '../../../electron/services/store/runs.ts';
import { RunConfig } from '../../../schemas/config.ts';
import { tempDir } from '../../helpers/home.ts';

const config = RunConfig.parse({ data: { train_path: '/data.csv', text_column: 'text', label_column: 'label' } });

describe('SQLite store', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir.cleanup());

  it('opens with WAL, foreign keys and every migration applied, and reopens without re-applying', () => {
    dir = tempDir();
    const path = join(dir.path, 'airlock.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    const again = openDatabase(path);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it('refuses a database written by a newer schema', () => {
    dir = tempDir();
    const path = join(dir.path, 'airlock.db');
    const db = openDatabase(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer Airlock/);
  });

  it('records a run, its metrics in a batch, and its outcome', () => {
    dir = tempDir();
    const runs = new RunTable(openDatabase(join(dir.path, 'airlock.db')));
    runs.create({ id: 'r1', experiment: 'e', datasetId: null, modelId: 'm', config, runDir: '/runs/r1', createdAt: '2026-01-01T00:00:00Z' });
    expect(runs.get('r1')?.status).toBe('queued');
    expect(runs.markStarted('r1', 123, '2026-01-01T00:00:01Z')).toBe(1);
    runs.addMetrics('r1', [
      { key: 'train/loss', step: 1, value: 2.0, ts: 't' },
      { key: 'train/loss', step: 2, value: 1.5, ts: 't' },
    ]);
    runs.finish('r1', { status: 'completed', metrics: { 'val/accuracy': 0.9 }, durationS: 12 }, '2026-01-01T00:00:13Z');
    const run = runs.get('r1')!;
    expect(run.status).toBe('completed');
    expect(run.metrics['val/accuracy']).toBe(0.9);
    expect(run.durationS).toBe(12);
    expect(runs.metrics('r1', 'train/loss').map((point) => point.value)).toEqual([2.0, 1.5]);
  });

  it('marks runs left running by a dead process as interrupted, but not live ones', () => {
    dir = tempDir();
    const runs = new RunTable(openDatabase(join(dir.path, 'airlock.db')));
    for (const id of ['dead', 'alive']) {
      runs.create({ id, experiment: 'e', datasetId: null, modelId: 'm', config, runDir: `/runs/${id}`, createdAt: '2026-01-01T00:00:00Z' });
    }
    runs.markStarted('dead', 1111, 't');
    runs.markStarted('alive', 2222, 't');
    expect(runs.markOrphansInterrupted((pid) => pid === 2222)).toEqual(['dead']);
    expect(runs.get('dead')?.status).toBe('interrupted');
    expect(runs.get('alive')?.status).toBe('running');
  });
});
