import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Paths inside one Airlock data folder. */
export interface HomePaths {
  root: string;
  database: string;
  datasets: string;
  models: string;
  runs: string;
  exports: string;
  cache: string;
  staging: string;
}

/** The data folder: AIRLOCK_HOME, else the folder Electron would use for app data on this OS. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_HOME) return env.AIRLOCK_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Airlock');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Airlock');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Airlock');
}

/** Lays out (and creates) the folders of a data folder. */
export function homePaths(root: string): HomePaths {
  const paths: HomePaths = {
    root,
    database: join(root, 'airlock.db'),
    datasets: join(root, 'datasets'),
    models: join(root, 'models'),
    runs: join(root, 'runs'),
    exports: join(root, 'exports'),
    cache: join(root, 'cache'),
    staging: join(root, 'staging'),
  };
  for (const dir of [paths.datasets, paths.models, paths.runs, paths.exports, paths.cache, paths.staging]) {
    mkdirSync(dir, { recursive: true });
  }
  return paths;
}
