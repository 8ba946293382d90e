import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { BundleManifest, ModelVersion, VerifiedBundle } from '../../../schemas/registry.ts';
import type { HomePaths } from '../home.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import { callTrainer } from '../trainer/commands.ts';
import type { ExportTable } from './export-table.ts';
import { MANIFEST_NAME, describeFiles, listFiles } from './manifest.ts';
import { modelCard } from './model-card.ts';
import { checkExportFits } from './space.ts';
import { isProcessAlive } from '../util/files.ts';
import { verifyBundle } from './verify.ts';
import { freeBytes, mountOf, readMounts, type MountEntry } from './volumes.ts';

/** Prefix of the temporary folder an export writes on the target before its rename. */
export const TEMP_PREFIX = '.airlock-export-';

/** Fraction done and what is happening. */
export type ExportProgress = (fraction: number, message: string) => void;

/** What the exporter asks of the machine; tests replace the probes they cannot arrange for real. */
export interface ExportProbes {
  mounts(): MountEntry[];
  freeBytes(path: string): number;
  /** Pause after each file is flushed (test hook: AIRLOCK_EXPORT_TEST_FILE_DELAY_MS, to be killed mid-write). */
  fileDelayMs: number;
}

const defaultProbes = (): ExportProbes => ({
  mounts: readMounts,
  freeBytes: (path) => freeBytes(path).free,
  fileDelayMs: Number(process.env.AIRLOCK_EXPORT_TEST_FILE_DELAY_MS ?? 0) || 0,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Flushes a folder's entry list (new names, renames) to its device. Not possible on Windows, where it is skipped. */
function syncFolder(path: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes verified bundles of registered model versions to a folder (a removable drive, typically). */
export class BundleExporter {
  private readonly probes: ExportProbes;

  constructor(
    private readonly paths: HomePaths,
    private readonly registry: ModelRegistry,
    private readonly table: ExportTable,
    probes: Partial<ExportProbes> = {},
  ) {
    this.probes = { ...defaultProbes(), ...probes };
  }

  /** Removes the temporary folders of exports whose process died mid-write (called at start-up). */
  cleanStale(): string[] {
    const removed: string[] = [];
    for (const entry of this.table.unfinished()) {
      if (entry.pid !== process.pid && isProcessAlive(entry.pid)) continue;
      // The drive may be unplugged now: keep the record until its folder can be reached.
      if (!existsSync(dirname(entry.tempPath))) continue;
      rmSync(entry.tempPath, { recursive: true, force: true });
      this.table.ended(entry.tempPath, 'cleaned', new Date().toISOString());
      removed.push(entry.tempPath);
    }
    return removed;
  }

  /** Removes `.airlock-export-<pid>-*` litter in `folder` left by a dead process that was never recorded. */
  private cleanFolderLitter(folder: string): void {
    for (const name of readdirSync(folder)) {
      const pid = Number(/^\.airlock-export-(\d+)-/.exec(name)?.[1]);
      if (pid && pid !== process.pid && !isProcessAlive(pid)) rmSync(join(folder, name), { recursive: true, force: true });
    }
  }

  /** Exports `ref` into `<to>/<name>-v<version>/`: checked for space first, written to a temporary name, flushed, renamed, re-read. */
  async export(ref: string, to: string, onProgress: ExportProgress = () => {}): Promise<VerifiedBundle> {
    const version = this.registry.resolve(ref);
    const target = resolve(to);
    this.checkTarget(target);
    const final = join(target, `${version.name}-v${version.version}`);
    if (existsSync(final)) {
      throw new AirlockError('EXPORT_TARGET_EXISTS', `${final} already exists.`, {
        hint: 'Check it with `airlock verify`, or delete it (or pick another folder) to export again.',
      });
    }
    const sources = listFiles(version.modelDir).map((path) => statSync(join(version.modelDir, path)).size);
    checkExportFits({ fileSizes: sources, freeBytes: this.probes.freeBytes(target), fsType: mountOf(target, this.probes.mounts())?.fsType ?? null, target });
    this.cleanFolderLitter(target);

    const temp = join(target, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    this.table.started(temp, final, process.pid, new Date().toISOString());
    let renamed = false;
    try {
      await this.writeBundle(version, temp, onProgress);
      renameSync(temp, final);
      renamed = true;
      syncFolder(target);
      onProgress(0.95, 'Re-reading the bundle to verify it');
      const verified = await verifyBundle(final);
      this.table.ended(temp, 'completed', new Date().toISOString());
      onProgress(1, 'Exported and verified');
      return verified;
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      // Written but failed its re-read: never leave it looking usable.
      if (renamed) rmSync(final, { recursive: true, force: true });
      this.table.ended(temp, 'failed', new Date().toISOString());
      throw error;
    }
  }

  private checkTarget(target: string): void {
    if (!existsSync(target) || !statSync(target).isDirectory()) {
      throw new AirlockError('EXPORT_TARGET_INVALID', `${target} is not an existing folder.`, { hint: 'Pick the drive (or a folder on it) to export to.' });
    }
    try {
      accessSync(target, constants.W_OK);
    } catch {
      throw new AirlockError('EXPORT_TARGET_INVALID', `${target} cannot be written to.`, { hint: 'The drive may be read-only or locked; unlock it or pick another.' });
    }
  }

  private async writeBundle(version: ModelVersion, temp: string, onProgress: ExportProgress): Promise<void> {
    onProgress(0, 'Writing the MLflow model');
    const args = ['bundle', '--model', version.modelDir, '--out', temp, '--max-length', String(version.lineage.config.data.max_length),
      '--source-name', `${version.name}-v${version.version}`, '--base-model', version.lineage.baseModel];
    await callTrainer(args, this.paths.root, (event) => {
      if (event.type === 'progress' && event.fraction !== null) onProgress(event.fraction * 0.6, event.message);
    });
    const exportedAt = new Date().toISOString();
    writeFileSync(join(temp, 'README.md'), modelCard(version, exportedAt));
    const files = await describeFiles(temp, {
      sync: true,
      onFile: async (path, index, count) => {
        onProgress(0.6 + (0.3 * index) / count, `Flushing and hashing ${path}`);
        if (this.probes.fileDelayMs) await sleep(this.probes.fileDelayMs);
      },
    });
    for (const folder of new Set(files.map((file) => dirname(join(temp, file.path))))) syncFolder(folder);
    const manifest: BundleManifest = {
      format: 'airlock-bundle',
      formatVersion: 1,
      model: { name: version.name, version: version.version, runId: version.runId, stage: version.stage },
      createdAt: exportedAt,
      files,
    };
    // Written last: a folder without it never verifies.
    const manifestPath = join(temp, MANIFEST_NAME);
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    const fd = openSync(manifestPath, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    syncFolder(temp);
  }
}
