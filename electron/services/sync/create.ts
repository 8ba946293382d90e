import type { Db } from '../store/database.ts';
import type { HomePaths } from '../home.ts';
import type { RunTable } from '../store/runs.ts';
import { DatasetTable } from '../store/records.ts';
import { VersionTable } from '../registry/version-table.ts';
import { SyncService } from './service.ts';

/** Builds the sync service over a data folder. Auto-sync stays off until a front end calls `startAutoSync`. */
export function createSyncService(paths: HomePaths, db: Db, runs: RunTable): SyncService {
  const datasets = new DatasetTable(db);
  const versions = new VersionTable(db);
  return new SyncService({
    paths,
    db,
    runs,
    datasetSha256: (id) => datasets.get(id)?.sha256 ?? null,
    modelVersions: () => versions.names().flatMap(({ name }) => versions.versions(name)),
  });
}
