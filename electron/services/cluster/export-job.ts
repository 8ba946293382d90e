import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { RunConfig } from '../../../schemas/config.ts';
import type { DatasetCatalog } from '../catalog/dataset-catalog.ts';
import type { ModelCache } from '../models/cache.ts';
import { resolveConfig } from '../config/resolve.ts';
import { configToYaml } from '../config/yaml.ts';
import { EXTENSIONS_FOLDER, stageUserCode } from '../runs/extensions.ts';
import { newRunId } from '../runs/supervisor.ts';
import { copyHashed } from './hashed-copy.ts';
import { dataFolder, jobConfig } from './job-config.ts';
import { filesUnder, modelFiles, tableFiles, trainerFiles, type JobFile } from './job-files.ts';
import { jobCommands, jobReadme } from './job-readme.ts';
import { slurmBatch, torchrunLauncher, type LauncherSettings } from './launchers.ts';
import { trainerVersions } from './trainer-versions.ts';

/** The manifest's name in a job folder (and in its out/). */
export const JOB_MANIFEST = 'MANIFEST.sha256';

/** What to export: the config as runs.start takes it, the world, and where the job folder goes. */
export interface ClusterExportRequest {
  config: RunConfig;
  nodes: number;
  gpusPerNode: number;
  to: string;
  sharedPath?: string;
}

/** The job folder written, as cluster.export answers. */
export interface ClusterExportResult {
  folder: string;
  configSha256: string;
  files: number;
  bytes: number;
  commands: { torchrun: string; slurm: string };
}

/** What the exporter reads: the data folder, its datasets and its model cache. */
export interface ClusterExportDeps {
  home: string;
  datasets: DatasetCatalog;
  models: ModelCache;
}

interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Refuses a target that holds anything; an empty folder may be used. */
function checkTarget(folder: string): void {
  if (existsSync(folder) && (!statSync(folder).isDirectory() || readdirSync(folder).length > 0)) {
    throw new AirlockError('EXPORT_TARGET_EXISTS', `${folder} already exists and is not empty, so Airlock will not write a job folder there.`, {
      hint: 'Pick a new folder with --to (it is created), or remove the old one first.',
      field: 'to',
    });
  }
}

function checkSharedPath(sharedPath: string | undefined): string | null {
  if (sharedPath === undefined) return null;
  if (!sharedPath.startsWith('/')) {
    throw new AirlockError('INVALID_INPUT', `--shared-path must be an absolute path on the cluster's file system, not "${sharedPath}".`, {
      field: 'sharedPath',
      hint: 'For example --shared-path /shared/airlock/reviews: the folder where data/ and model/ will be on the cluster.',
    });
  }
  return sharedPath.replace(/\/+$/, '') || '/';
}

/** The data tables and the model folder of a resolved config, with their place in the job (or under the shared path). */
function payloadFiles(resolved: RunConfig, base: string): JobFile[] {
  const tables = [...new Set([resolved.data.train_path, resolved.data.val_path, resolved.data.test_path].filter((path): path is string => path !== null))];
  return [...tables.flatMap((table) => tableFiles(table, `${base}${dataFolder(table)}`)), ...modelFiles(resolved.model.name, `${base}model`)];
}

/**
 * Writes a self-contained job folder for torchrun or SLURM: the resolved config (world and paths set for the
 * cluster), the dataset's canonical tables and the base model (or, with a shared path, references to copies there),
 * the trainer, the launchers, a README, and MANIFEST.sha256 over all of it. Everything is written under
 * `<to>.partial` and renamed into place at the end: a failed export leaves nothing behind.
 */
export async function exportClusterJob(deps: ClusterExportDeps, request: ClusterExportRequest, onProgress: (fraction: number) => void = () => {}): Promise<ClusterExportResult> {
  const folder = resolve(request.to);
  checkTarget(folder);
  const sharedPath = checkSharedPath(request.sharedPath);
  const resolved = await resolveConfig(request.config, deps.datasets, deps.models);
  const partial = `${folder}.partial`;
  rmSync(partial, { recursive: true, force: true }); // left by an export that was killed
  mkdirSync(partial, { recursive: true });
  try {
    const entries: ManifestEntry[] = [];
    const writeText = (path: string, text: string, executable = false) => {
      const bytes = Buffer.from(text, 'utf8');
      writeFileSync(join(partial, path), bytes);
      if (executable) chmodSync(join(partial, path), 0o755);
      entries.push({ path, sha256: sha256(bytes), size: bytes.length });
    };

    // User code named by the config travels as copies beside config.yaml (extensions/), as in a run folder.
    const staged = stageUserCode(resolved.config, partial);
    if (existsSync(join(partial, EXTENSIONS_FOLDER))) {
      for (const file of filesUnder(join(partial, EXTENSIONS_FOLDER))) {
        const { size, sha256: digest } = await copyHashed(join(partial, EXTENSIONS_FOLDER, file), null);
        entries.push({ path: `${EXTENSIONS_FOLDER}/${file}`, sha256: digest, size });
      }
    }

    const base = sharedPath ? `${sharedPath === '/' ? '' : sharedPath}/` : '';
    const payload = payloadFiles(resolved.config, base);
    const copied = [...(sharedPath ? [] : payload), ...trainerFiles()];
    const hashedOnly = sharedPath ? payload : [];
    const total = [...copied, ...hashedOnly].reduce((sum, file) => sum + file.size, 0) || 1;
    let done = 0;
    const onBytes = (bytes: number) => onProgress(Math.min(1, (done += bytes) / total));
    for (const file of copied) entries.push({ path: file.target, ...(await copyHashed(file.source, join(partial, file.target), onBytes)) });
    for (const file of hashedOnly) entries.push({ path: file.target, ...(await copyHashed(file.source, null, onBytes)) });

    const config = jobConfig(staged.config, request.nodes, request.gpusPerNode, { base });
    const runId = newRunId();
    const yaml = configToYaml(config, `Airlock cluster job ${runId}: ${request.nodes} node(s) x ${request.gpusPerNode} GPU(s). Paths are relative to the job folder${sharedPath ? ` or under ${sharedPath}` : ''}.`);
    const configSha256 = sha256(yaml);
    writeText('config.yaml', yaml);
    const dataset = resolved.datasetId ? deps.datasets.get(resolved.datasetId) : null;
    const job = {
      format: 'airlock-cluster-job',
      version: 1,
      run_id: runId,
      created_at: new Date().toISOString(),
      nodes: request.nodes,
      gpus_per_node: request.gpusPerNode,
      config_sha256: configSha256,
      dataset: dataset ? { id: dataset.id, name: dataset.name, sha256: dataset.sha256 } : null,
      model: { id: resolved.modelId, name: resolved.modelId },
      shared_path: sharedPath,
      trainer: trainerVersions(deps.home),
    };
    const model = deps.models.list().find((cached) => cached.id === resolved.modelId);
    if (model) job.model.name = model.name;
    writeText('job.json', `${JSON.stringify(job, null, 2)}\n`);
    const settings: LauncherSettings = { runId, nodes: request.nodes, gpusPerNode: request.gpusPerNode, timeoutS: config.training.distributed_timeout_s };
    writeText('launch_torchrun.sh', torchrunLauncher(settings), true);
    writeText('job.sbatch', slurmBatch(settings), true);
    writeText(
      'README.md',
      jobReadme({
        ...settings,
        configSha256,
        dataset: dataset ? `${dataset.name} (${dataset.id})` : null,
        model: job.model.name,
        sharedPath,
        sharedFiles: hashedOnly.map((file) => ({ source: file.source, target: file.target })),
      }),
    );

    entries.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
    writeFileSync(join(partial, JOB_MANIFEST), entries.map((entry) => `${entry.sha256}  ${entry.path}\n`).join(''));
    if (existsSync(folder)) rmdirSync(folder); // empty, checked above
    renameSync(partial, folder);
    onProgress(1);
    return {
      folder,
      configSha256,
      files: entries.length,
      bytes: entries.reduce((sum, entry) => sum + entry.size, 0),
      commands: jobCommands(folder, settings),
    };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}
