import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homePaths, type HomePaths } from './home.ts';
import { removeStaleStaging } from './util/files.ts';
import { openDatabase, type Db } from './store/database.ts';
import { DatasetTable, ModelTable } from './store/records.ts';
import { RunTable } from './store/runs.ts';
import { DatasetCatalog } from './catalog/dataset-catalog.ts';
import { ModelCache } from './models/cache.ts';
import { RunSupervisor } from './runs/supervisor.ts';
import { APP_ROOT } from './trainer/python.ts';
import { ModelRegistry } from './registry/registry.ts';
import { VersionTable } from './registry/version-table.ts';
import { registerOnCompletion } from './registry/auto-register.ts';
import { PredictionService } from './predict/predictions.ts';
import { BundleExporter } from './export/exporter.ts';
import { ExportTable } from './export/export-table.ts';
import { createSyncService } from './sync/create.ts';
import type { SyncService } from './sync/service.ts';

/** Every service, built around one data folder. All front ends go through this. */
export interface Services {
  paths: HomePaths;
  db: Db;
  datasets: DatasetCatalog;
  models: ModelCache;
  runs: RunTable;
  supervisor: RunSupervisor;
  registry: ModelRegistry;
  predictions: PredictionService;
  exporter: BundleExporter;
  sync: SyncService;
  close(): void;
}

/** Whether `pid` is still a live trainer process (not a zombie, not a reused pid). */
function isTrainerAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('airlock_trainer');
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where set-up puts the bundled models (the default model among them). */
export function bundledModelsFolder(env: NodeJS.ProcessEnv = process.env): string | null {
  const folder = env.AIRLOCK_BUNDLED_MODELS ?? join(APP_ROOT, 'resources', 'models');
  return existsSync(folder) ? folder : null;
}

/** Opens (creating if needed) the data folder at `home` and builds the services over it. */
export async function createServices(home: string): Promise<Services> {
  const paths = homePaths(resolve(home));
  const db = openDatabase(paths.database);
  const runs = new RunTable(db);
  const models = new ModelCache(paths, new ModelTable(db), bundledModelsFolder());
  await models.seedDefault();
  runs.markOrphansInterrupted(isTrainerAlive);
  const supervisor = new RunSupervisor(paths, runs);
  const registry = new ModelRegistry(new VersionTable(db), runs, new DatasetTable(db));
  registerOnCompletion(supervisor, registry);
  const exporter = new BundleExporter(paths, registry, new ExportTable(db));
  exporter.cleanStale();
  removeStaleStaging(paths.staging); // left by an import or copy that was killed midway
  const predictions = new PredictionService(paths, registry, runs);
  return {
    paths,
    db,
    datasets: new DatasetCatalog(paths, new DatasetTable(db)),
    models,
    runs,
    supervisor,
    registry,
    predictions,
    exporter,
    sync: createSyncService(paths, db, runs),
    close: () => {
      // The warm model workers are told to finish; they are killed a few seconds later if they have not.
      void predictions.close();
      db.close();
    },
  };
}
