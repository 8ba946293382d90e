import type { Db } from './database.ts';
import { Dataset } from '../../../schemas/dataset.ts';
import { CachedModel } from '../../../schemas/model.ts';

/** Datasets and cached models are stored whole as validated JSON records beside a few indexed columns. */
export class DatasetTable {
  constructor(private readonly db: Db) {}

  insert(dataset: Dataset): void {
    this.db
      .prepare('INSERT INTO datasets (id, name, sha256, record, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(dataset.id, dataset.name, dataset.sha256, JSON.stringify(dataset), dataset.createdAt);
  }

  /** Replaces a stored dataset's record (its id and content stay the same). */
  update(dataset: Dataset): void {
    this.db.prepare('UPDATE datasets SET name = ?, record = ? WHERE id = ?').run(dataset.name, JSON.stringify(dataset), dataset.id);
  }

  get(id: string): Dataset | undefined {
    const row = this.db.prepare('SELECT record FROM datasets WHERE id = ?').get(id) as { record: string } | undefined;
    return row ? Dataset.parse(JSON.parse(row.record)) : undefined;
  }

  findBySha256(sha256: string): Dataset | undefined {
    const row = this.db.prepare('SELECT record FROM datasets WHERE sha256 = ?').get(sha256) as { record: string } | undefined;
    return row ? Dataset.parse(JSON.parse(row.record)) : undefined;
  }

  list(): Dataset[] {
    const rows = this.db.prepare('SELECT record FROM datasets ORDER BY created_at DESC').all() as { record: string }[];
    return rows.map((row) => Dataset.parse(JSON.parse(row.record)));
  }
}

export class ModelTable {
  constructor(private readonly db: Db) {}

  upsert(model: CachedModel): void {
    this.db
      .prepare(
        `INSERT INTO models (id, name, record, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, record = excluded.record`,
      )
      .run(model.id, model.name, JSON.stringify(model), model.createdAt);
  }

  get(id: string): CachedModel | undefined {
    const row = this.db.prepare('SELECT record FROM models WHERE id = ?').get(id) as { record: string } | undefined;
    return row ? CachedModel.parse(JSON.parse(row.record)) : undefined;
  }

  list(): CachedModel[] {
    const rows = this.db.prepare('SELECT record FROM models ORDER BY created_at').all() as { record: string }[];
    return rows.map((row) => CachedModel.parse(JSON.parse(row.record)));
  }
}
