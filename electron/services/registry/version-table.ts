import type { Db } from '../store/database.ts';
import { Lineage, ModelVersion, type Stage, type StageChange } from '../../../schemas/registry.ts';

interface VersionRow {
  name: string;
  version: number;
  run_id: string;
  stage: string;
  description: string | null;
  model_dir: string;
  lineage: string;
  created_at: string;
}

/** Registered models, their versions and every stage change, in SQLite. */
export class VersionTable {
  constructor(private readonly db: Db) {}

  private history(name: string, version: number): StageChange[] {
    return this.db
      .prepare('SELECT stage, changed_at AS at FROM stage_changes WHERE name = ? AND version = ? ORDER BY seq')
      .all(name, version) as StageChange[];
  }

  private fromRow(row: VersionRow): ModelVersion {
    return ModelVersion.parse({
      name: row.name,
      version: row.version,
      runId: row.run_id,
      stage: row.stage,
      description: row.description,
      modelDir: row.model_dir,
      lineage: Lineage.parse(JSON.parse(row.lineage)),
      stageHistory: this.history(row.name, row.version),
      createdAt: row.created_at,
    });
  }

  get(name: string, version: number): ModelVersion | undefined {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version) as VersionRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  findByRun(name: string, runId: string): ModelVersion | undefined {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND run_id = ?').get(name, runId) as VersionRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  /** The newest version of `name`, optionally only among those in `stage`. */
  latest(name: string, stage?: Stage): ModelVersion | undefined {
    const row = (
      stage
        ? this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND stage = ? ORDER BY version DESC LIMIT 1').get(name, stage)
        : this.db.prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
    ) as VersionRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  names(): { name: string; createdAt: string }[] {
    return this.db.prepare('SELECT name, created_at AS createdAt FROM registered_models ORDER BY name').all() as { name: string; createdAt: string }[];
  }

  versions(name: string): ModelVersion[] {
    return (this.db.prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC').all(name) as VersionRow[]).map((row) => this.fromRow(row));
  }

  /** Adds the next version of `name` (creating the name) in one transaction; returns its number. */
  insert(entry: { name: string; runId: string; stage: Stage; description: string | null; modelDir: string; lineage: Lineage }, now: string): number {
    return this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO registered_models (name, created_at) VALUES (?, ?)').run(entry.name, now);
      const { next } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM model_versions WHERE name = ?').get(entry.name) as { next: number };
      this.db
        .prepare('INSERT INTO model_versions (name, version, run_id, stage, description, model_dir, lineage, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(entry.name, next, entry.runId, entry.stage, entry.description, entry.modelDir, JSON.stringify(entry.lineage), now);
      this.db.prepare('INSERT INTO stage_changes (name, version, stage, changed_at) VALUES (?, ?, ?, ?)').run(entry.name, next, entry.stage, now);
      return next;
    })();
  }

  /** Sets a version's stage and records the change with its time. */
  setStage(name: string, version: number, stage: Stage, now: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?').run(stage, name, version);
      this.db.prepare('INSERT INTO stage_changes (name, version, stage, changed_at) VALUES (?, ?, ?, ?)').run(name, version, stage, now);
    })();
  }
}
