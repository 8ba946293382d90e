import { AirlockError } from '../../../schemas/errors.ts';
import { Stage, type Lineage, type ModelVersion, type RegisteredModel } from '../../../schemas/registry.ts';
import type { RunTable } from '../store/runs.ts';
import type { DatasetTable } from '../store/records.ts';
import type { VersionTable } from './version-table.ts';

/** "name", "name@3" or "name@production", split. */
export function parseModelRef(ref: string): { name: string; selector: number | Stage | null } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref, selector: null };
  const name = ref.slice(0, at);
  const selector = ref.slice(at + 1);
  if (/^\d+$/.test(selector)) return { name, selector: Number(selector) };
  const stage = Stage.safeParse(selector);
  if (!name || !stage.success) {
    throw new AirlockError('INVALID_INPUT', `"${ref}" is not a model reference.`, {
      hint: 'Write name, name@<version number> or name@<stage> (staging, production, archived, none).',
    });
  }
  return { name, selector: stage.data };
}

/** The model registry: completed runs' models as numbered versions of named models, with lineage and stages. */
export class ModelRegistry {
  constructor(
    private readonly versions: VersionTable,
    private readonly runs: RunTable,
    private readonly datasets: DatasetTable,
  ) {}

  /** Registers a completed run under `name`; the same run registered twice returns its existing version. */
  register(runId: string, name: string, options: { stage?: Stage; description?: string } = {}): { version: ModelVersion; existing: boolean } {
    const run = this.runs.get(runId);
    if (!run) throw new AirlockError('RUN_NOT_FOUND', `There is no run "${runId}".`, { hint: 'Run `airlock runs` to list runs.' });
    const existing = this.versions.findByRun(name, runId);
    if (existing) return { version: existing, existing: true };
    if (run.status !== 'completed' || !run.modelDir) {
      throw new AirlockError('RUN_NOT_COMPLETED', `Run ${runId} is ${run.status}; only a completed run has a model to register.`, {
        hint: run.status === 'running' ? 'Wait for it to finish.' : 'Resume it with `airlock resume` or train again.',
      });
    }
    const dataset = run.datasetId ? this.datasets.get(run.datasetId) : undefined;
    const details = run.details as { labels?: unknown; job_dataset?: { id?: unknown; name?: unknown; sha256?: unknown } };
    // A cluster run imported without its dataset stored here: its config names the job's copy; job.json names the dataset.
    const jobDataset = !dataset && typeof details.job_dataset?.name === 'string'
      ? { name: details.job_dataset.name, sha256: typeof details.job_dataset.sha256 === 'string' ? details.job_dataset.sha256 : null }
      : null;
    const lineage: Lineage = {
      runId,
      experiment: run.experiment,
      task: run.config.model.task,
      baseModel: run.modelId,
      datasetId: run.datasetId,
      datasetSha256: dataset?.sha256 ?? jobDataset?.sha256 ?? null,
      datasetName: dataset?.name ?? jobDataset?.name ?? null,
      config: run.config,
      metrics: run.metrics,
      labels: Array.isArray(details.labels) ? details.labels.map(String) : [],
      device: run.device,
      trainedAt: run.finishedAt,
    };
    const number = this.versions.insert(
      { name, runId, stage: options.stage ?? 'none', description: options.description ?? null, modelDir: run.modelDir, lineage },
      new Date().toISOString(),
    );
    return { version: this.versions.get(name, number)!, existing: false };
  }

  list(): RegisteredModel[] {
    return this.versions.names().map(({ name, createdAt }) => ({ name, createdAt, versions: this.versions.versions(name) }));
  }

  /** The version a reference names: a number, the newest in a stage, or the newest of all. */
  resolve(ref: string): ModelVersion {
    const { name, selector } = parseModelRef(ref);
    const found =
      typeof selector === 'number' ? this.versions.get(name, selector) : this.versions.latest(name, selector ?? undefined);
    if (!found) {
      const known = this.versions.versions(name).map((version) => `${version.version} (${version.stage})`);
      throw new AirlockError('REGISTRY_MODEL_NOT_FOUND', `No registered model version "${ref}".`, {
        hint: known.length ? `Versions of ${name}: ${known.join(', ')}.` : 'Run `airlock registry` to list registered models, or `airlock register <run> --name N`.',
      });
    }
    return found;
  }

  /** Moves a version to `stage`, recording when; setting the stage it already has records nothing. */
  setStage(ref: string, stage: Stage): ModelVersion {
    const version = this.resolve(ref);
    if (version.stage !== stage) this.versions.setStage(version.name, version.version, stage, new Date().toISOString());
    return this.versions.get(version.name, version.version)!;
  }
}
