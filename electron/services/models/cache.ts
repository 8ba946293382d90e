import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { DEFAULT_MODEL_ID } from '../../../schemas/config.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { HomePaths } from '../home.ts';
import type { ModelTable } from '../store/records.ts';
import { copyTree, slugify, stagingPath, writeAtomically } from '../util/files.ts';
import { inspectModelFolder, isCausalLmArchitecture } from './inspect.ts';
import { importBundle, isBundleFolder } from './bundle-import.ts';

/** A readable name for a model folder; HF cache snapshots (models--org--name/snapshots/<hash>) use the repo name. */
export function nameForFolder(folder: string): string {
  const snapshot = /models--([^/]+?)--([^/]+)\/snapshots\/[^/]+\/?$/.exec(folder);
  return snapshot ? snapshot[2] : basename(resolve(folder));
}

/** The offline model cache: `$AIRLOCK_HOME/models/<id>/`, each a Hugging Face model folder, recorded in SQLite. */
export class ModelCache {
  constructor(
    private readonly paths: HomePaths,
    private readonly table: ModelTable,
    private readonly bundledModels: string | null,
  ) {}

  list(): CachedModel[] {
    return this.table.list().map((model) => this.current(model));
  }

  get(id: string): CachedModel {
    const stored = this.table.get(id);
    const model = stored && this.current(stored);
    if (!model) {
      throw new AirlockError('MODEL_NOT_FOUND', `No model "${id}" in the offline model cache.`, {
        hint: 'Run `airlock models` to see the cached models, or `airlock models import <folder>` to add one.',
      });
    }
    return model;
  }

  /** The folder of a config's model.name: a cache id, or a local model folder. */
  resolveFolder(name: string): { folder: string; modelId: string } {
    const cached = this.table.get(name);
    if (cached) return { folder: cached.path, modelId: cached.id };
    if (existsSync(join(name, 'config.json'))) return { folder: resolve(name), modelId: nameForFolder(name) };
    return { folder: this.get(name).path, modelId: name };
  }

  /** What a cache id or a local model folder is: cached models answer from their record, folders are read. */
  inspect(target: string): { id: string | null; path: string; info: CachedModel['info'] } {
    if (existsSync(join(target, 'config.json'))) return { id: null, path: resolve(target), info: inspectModelFolder(target) };
    const cached = this.get(target);
    return { id: cached.id, path: cached.path, info: cached.info };
  }

  /** Copies a model folder into the cache after checking it is a usable Hugging Face model. */
  async import(source: string, options: { name?: string; allowPickle?: boolean; sourcePath?: string } = {}): Promise<CachedModel> {
    if (isBundleFolder(source)) {
      return importBundle(source, this.paths.root, this.paths.staging, (folder, name) => this.import(folder, { ...options, name: options.name ?? name, sourcePath: resolve(source) }));
    }
    if (!existsSync(source) || !statSync(source).isDirectory()) {
      throw new AirlockError('FILE_NOT_FOUND', `The folder ${source} does not exist.`, { hint: 'Check the path to the model folder.' });
    }
    const info = inspectModelFolder(source);
    if (info.weightsFormat === 'pickle' && !options.allowPickle) {
      throw new AirlockError('MODEL_WEIGHTS_UNSAFE', `${source} only has pickle (*.bin) weights, which can run code when loaded.`, {
        hint: 'Ask for a safetensors copy of the model, or import with --allow-pickle if you trust its source.',
      });
    }
    const name = options.name ?? nameForFolder(source);
    const id = this.freeId(slugify(name));
    const target = join(this.paths.models, id);
    await writeAtomically(stagingPath(this.paths.staging, 'model'), target, (staging) => copyTree(source, staging));
    const model: CachedModel = {
      id,
      name,
      path: target,
      sourcePath: options.sourcePath ?? resolve(source),
      allowPickle: Boolean(options.allowPickle),
      info: inspectModelFolder(target),
      createdAt: new Date().toISOString(),
    };
    this.table.upsert(model);
    return model;
  }

  /**
   * Puts the bundled default model (from `models`: the app's bundled models, or a runtime pack's) into a data folder
   * that lacks it (hard links: no second copy on disk).
   */
  async seedDefault(models: string | null = this.bundledModels): Promise<void> {
    if (this.table.get(DEFAULT_MODEL_ID) || !models) return;
    const source = join(models, DEFAULT_MODEL_ID);
    if (!existsSync(join(source, 'config.json'))) return;
    const target = join(this.paths.models, DEFAULT_MODEL_ID);
    if (!existsSync(target)) {
      await writeAtomically(stagingPath(this.paths.staging, 'model'), target, (staging) => copyTree(source, staging, { hardLink: true }));
    }
    this.table.upsert({
      id: DEFAULT_MODEL_ID,
      name: 'all-MiniLM-L6-v2',
      path: target,
      sourcePath: source,
      allowPickle: false,
      info: inspectModelFolder(target),
      createdAt: new Date().toISOString(),
    });
  }

  /** A record stored before inspection read the input limit, padding or causal LM facts gets them from its folder, once. */
  private current(model: CachedModel): CachedModel {
    const { info } = model;
    const stale =
      (info.maxInputTokens === null && info.maxPositions !== null) ||
      (info.padding === null && info.hasTokenizer) ||
      (!info.causalLm && isCausalLmArchitecture(info.architecture));
    if (!stale || !existsSync(join(model.path, 'config.json'))) return model;
    let refreshed: CachedModel;
    try {
      refreshed = { ...model, info: inspectModelFolder(model.path) };
    } catch {
      return model; // a damaged folder keeps its record; training reports the damage
    }
    this.table.upsert(refreshed);
    return refreshed;
  }

  private freeId(base: string): string {
    let id = base;
    for (let n = 2; this.table.get(id) || existsSync(join(this.paths.models, id)); n++) id = `${base}-${n}`;
    return id;
  }
}
