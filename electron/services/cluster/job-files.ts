import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SCHEMA_FILE, TABLE_FILE, type TableSchema } from '../datasets/canonical-table.ts';
import { UNPACKED_ROOT } from '../trainer/python.ts';

/** One file a job folder holds (or, with a shared path, names): where it comes from and its path in the manifest. */
export interface JobFile {
  source: string;
  /** Forward-slash path relative to the job folder, or an absolute path on the cluster's shared file system. */
  target: string;
  size: number;
}

/** Every plain file under `folder` as forward-slash paths relative to it, sorted; symlinks followed, hidden entries and caches skipped. */
export function filesUnder(folder: string, skip: (name: string) => boolean = () => false, prefix = ''): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(folder, prefix)).sort()) {
    if (name.startsWith('.') || skip(name)) continue;
    const relative = prefix ? `${prefix}/${name}` : name;
    const stats = statSync(join(folder, relative)); // follows symlinks: HF cache snapshots link into blobs/
    if (stats.isDirectory()) found.push(...filesUnder(folder, skip, relative));
    else if (stats.isFile()) found.push(relative);
  }
  return found;
}

function filesOf(folder: string, relatives: string[], targetPrefix: string): JobFile[] {
  return relatives.map((relative) => ({ source: join(folder, relative), target: `${targetPrefix}/${relative}`, size: statSync(join(folder, relative)).size }));
}

/**
 * A dataset's canonical table as the trainer reads it: table.jsonl, table.schema.json and, for image and audio
 * datasets, the stored media files. The original upload and the tokenized cache stay home.
 */
export function tableFiles(tablePath: string, targetPrefix: string): JobFile[] {
  const folder = dirname(tablePath);
  const schema = JSON.parse(readFileSync(join(folder, SCHEMA_FILE), 'utf8')) as TableSchema;
  const relatives = [TABLE_FILE, SCHEMA_FILE];
  const media = schema.media?.files;
  if (media && existsSync(join(folder, media))) relatives.push(...filesUnder(join(folder, media)).map((file) => `${media}/${file}`));
  return filesOf(folder, relatives, targetPrefix);
}

/** The base model folder as cached (weights, config, tokenizer). */
export function modelFiles(folder: string, targetPrefix: string): JobFile[] {
  return filesOf(folder, filesUnder(folder), targetPrefix);
}

/**
 * The trainer package without compiled caches, its requirements (the runtime a cluster needs), and the JSON
 * Schemas it validates configs and events against: `<job>/schemas/json` is where the package looks (paths.py).
 */
export function trainerFiles(root: string = UNPACKED_ROOT): JobFile[] {
  const trainer = join(root, 'trainer');
  const packageFiles = filesUnder(join(trainer, 'airlock_trainer'), (name) => name === '__pycache__' || name.endsWith('.pyc'));
  const requirements = readdirSync(trainer).filter((name) => /^requirements.*\.txt$/.test(name)).sort();
  return [
    ...filesOf(join(trainer, 'airlock_trainer'), packageFiles, 'trainer/airlock_trainer'),
    ...filesOf(trainer, requirements, 'trainer'),
    ...filesOf(join(root, 'schemas', 'json'), filesUnder(join(root, 'schemas', 'json')), 'schemas/json'),
  ];
}

/** The folder name a dataset's table gets under data/: its dataset id (the name of its folder in the data folder). */
export function datasetFolderName(tablePath: string): string {
  return basename(dirname(tablePath));
}
