import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { BundleManifest, ModelVersion, VerifiedBundle } from '../../../schemas/registry.ts';
import type { HomePaths } from '../home.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import { callTrainer } from '../trainer/commands.ts';
import type { ExportTable } from './export-table.ts';
import { MANIFEST_NAME, describeFiles, listFiles } from './manifest.ts';
import { lmBundleOf, modelCard } from './model-card.ts';
import { checkExportFits } from './space.ts';
import { isProcessAlive } from '../util/files.ts';
import { readManifest, verifyBundle } from './verify.ts';
import { requireFullPath } from '../util/paths.ts';
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

/** How a relative export folder is named in the refusal. */
const EXPORT_FOLDER = { field: 'to', what: 'export folder', code: 'EXPORT_TARGET_INVALID' } as const;

/** The bundle's folder name: `<name>-v<version>`, `<name>-v<version>-merged` for a language model merged with its adapter. */
function bundleName(version: Pick<ModelVersion, 'name' | 'version'>, merged = false): string {
  return `${version.name}-v${version.version}${merged ? '-merged' : ''}`;
}

/** Whether a version's model is a LoRA adapter (a causal LM fine-tuned with LoRA): only those can be exported merged. */
function isAdapter(version: ModelVersion): boolean {
  return existsSync(join(version.modelDir, 'adapter_config.json'));
}

/** `merged` only where it means something: a LoRA adapter; a full fine-tuning is a whole model either way. */
function wantsMerged(version: ModelVersion, merged: boolean | undefined): boolean {
  if (!merged) return false;
  if (version.lineage.task !== 'causal_lm') {
    throw new AirlockError('INVALID_INPUT', `${version.name} v${version.version} is a ${version.lineage.task} model; only language models fine-tuned with LoRA have an adapter to merge.`, {
      field: 'merged',
      hint: 'Export it without --merged.',
    });
  }
  return isAdapter(version);
}

/** Whether `folder` holds an Airlock manifest (even one whose files were changed since): the only kind Airlock replaces. */
function isAirlockBundle(folder: string): boolean {
  try {
    readManifest(folder);
    return true;
  } catch {
    return false;
  }
}

/** Lets an existing `final` folder be replaced only when asked to and only when it is an Airlock bundle. */
function checkReplaceable(final: string, version: ModelVersion, replace: boolean): void {
  if (!isAirlockBundle(final)) {
    throw new AirlockError('EXPORT_TARGET_EXISTS', `${final} already exists and is not an Airlock bundle, so Airlock will not replace it.`, {
      hint: 'Pick another folder, or move that folder away first.',
      field: final,
    });
  }
  if (!replace) {
    throw new AirlockError('EXPORT_TARGET_EXISTS', `${final} already holds an export of ${version.name} v${version.version}.`, {
      hint: 'Verify the copy that is there, or replace it with a new export.',
      field: final,
    });
  }
}

/** Suffix of the folder an export being replaced waits in, beside the new export's temporary folder. */
const PREVIOUS_SUFFIX = '-previous';

/**
 * After a replacing export failed or its process died: the earlier export goes back where it was if the new one
 * never took its place; if the new one did (complete, its manifest written last), the earlier one is removed.
 */
function restorePrevious(temp: string, final: string): void {
  const previous = temp + PREVIOUS_SUFFIX;
  if (!existsSync(previous)) return;
  if (existsSync(final)) rmSync(previous, { recursive: true, force: true });
  else renameSync(previous, final);
}

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
      restorePrevious(entry.tempPath, entry.targetPath);
      this.table.ended(entry.tempPath, 'cleaned', new Date().toISOString());
      removed.push(entry.tempPath);
    }
    return removed;
  }

  /** Removes `.airlock-export-<pid>-*` litter in `folder` left by a dead process that was never recorded. */
  private cleanFolderLitter(folder: string): void {
    for (const name of readdirSync(folder)) {
      if (name.endsWith(PREVIOUS_SUFFIX)) continue; // an earlier export set aside by a replace: cleanStale decides
      const pid = Number(/^\.airlock-export-(\d+)-/.exec(name)?.[1]);
      if (pid && pid !== process.pid && !isProcessAlive(pid)) rmSync(join(folder, name), { recursive: true, force: true });
    }
  }

  /** Where an export of `ref` into the folder `to` goes, whether something is there already, and whether Airlock may replace it. */
  target(ref: string, to: string, options: { merged?: boolean } = {}): { path: string; exists: boolean; replaceable: boolean } {
    const folder = resolve(requireFullPath(to, EXPORT_FOLDER));
    const version = this.registry.resolve(ref);
    const path = join(folder, bundleName(version, wantsMerged(version, options.merged)));
    if (!existsSync(path)) return { path, exists: false, replaceable: false };
    return { path, exists: true, replaceable: isAirlockBundle(path) };
  }

  /**
   * Exports `ref` into `<to>/<name>-v<version>/`: checked for space first, written to a temporary name, flushed,
   * renamed, re-read. With `replace`, an Airlock bundle already there is swapped out only once the new one is
   * complete, and put back if the new one fails its re-read.
   */
  async export(ref: string, to: string, onProgress: ExportProgress = () => {}, options: { replace?: boolean; merged?: boolean } = {}): Promise<VerifiedBundle> {
    const target = resolve(requireFullPath(to, EXPORT_FOLDER));
    const version = this.registry.resolve(ref);
    const merged = wantsMerged(version, options.merged);
    this.checkTarget(target);
    const final = join(target, bundleName(version, merged));
    const replacing = existsSync(final);
    if (replacing) checkReplaceable(final, version, options.replace === true);
    const sources = [version.modelDir, ...(merged ? [this.baseFolder(version)] : [])].flatMap((folder) => (folder ? listFiles(folder).map((path) => statSync(join(folder, path)).size) : []));
    checkExportFits({ fileSizes: sources, freeBytes: this.probes.freeBytes(target), fsType: mountOf(target, this.probes.mounts())?.fsType ?? null, target });
    this.cleanFolderLitter(target);

    const temp = join(target, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    // The previous copy waits here until the new one verifies (see restorePrevious for a process that dies meanwhile).
    const previous = temp + PREVIOUS_SUFFIX;
    this.table.started(temp, final, process.pid, new Date().toISOString());
    let renamed = false;
    try {
      await this.writeBundle(version, temp, merged, onProgress);
      if (replacing) renameSync(final, previous);
      renameSync(temp, final);
      renamed = true;
      syncFolder(target);
      onProgress(0.95, 'Re-reading the bundle to verify it');
      const verified = await verifyBundle(final);
      if (replacing) rmSync(previous, { recursive: true, force: true });
      this.table.ended(temp, 'completed', new Date().toISOString());
      onProgress(1, 'Exported and verified');
      return verified;
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      // Written but failed its re-read: never leave it looking usable.
      if (renamed) rmSync(final, { recursive: true, force: true });
      if (replacing) restorePrevious(temp, final);
      this.table.ended(temp, 'failed', new Date().toISOString());
      throw error;
    }
  }

  /** The cached base model a LoRA adapter names (its weights are what a merged export writes); null when gone. */
  private baseFolder(version: ModelVersion): string | null {
    try {
      const base = JSON.parse(readFileSync(join(version.modelDir, 'airlock_base.json'), 'utf8')) as { base_model_dir_name?: unknown };
      const name = base.base_model_dir_name;
      const folder = typeof name === 'string' && /^[^/\\]+$/.test(name) && name !== '..' ? join(this.paths.models, name) : null;
      return folder && existsSync(folder) ? folder : null;
    } catch {
      return null; // the trainer says which base is missing
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

  private async writeBundle(version: ModelVersion, temp: string, merged: boolean, onProgress: ExportProgress): Promise<void> {
    onProgress(0, 'Writing the MLflow model');
    const args = ['bundle', '--model', version.modelDir, '--out', temp, '--max-length', String(version.lineage.config.data.max_length),
      '--source-name', bundleName(version, merged), '--base-model', version.lineage.baseModel, ...(merged ? ['--merged'] : [])];
    const events = await callTrainer(args, this.paths.root, (event) => {
      if (event.type === 'progress' && event.fraction !== null) onProgress(event.fraction * 0.6, event.message);
    });
    const finished = events.find((event) => event.type === 'finished');
    const details = finished?.type === 'finished' ? finished.details : {};
    const modality = String(details.modality ?? 'text');
    const lm = lmBundleOf(details);
    const exportedAt = new Date().toISOString();
    writeFileSync(join(temp, 'README.md'), modelCard(version, exportedAt, modality, lm));
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
      ...(lm ? { kind: lm.kind, ...(lm.base ? { base: lm.base } : {}) } : {}),
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
