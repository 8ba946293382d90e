import type { ModelVersion } from '../../../schemas/registry.ts';
import { codeTags } from '../../../schemas/extensions.ts';

/** One registered model version as the trainer's sync command reads it (snake_case: Python's input). */
export interface ModelVersionJobItem {
  item: string;
  kind: 'model_version';
  local_ref: string;
  name: string;
  airlock_run_id: string;
  remote_run_id: string | null;
  description: string | null;
  tags: Record<string, string>;
  alias: 'staging' | 'production' | null;
}

/** The outbox id of a model version. */
export function modelVersionItemId(version: Pick<ModelVersion, 'name' | 'version'>): string {
  return `model_version:${version.name}@${version.version}`;
}

/** What a synced version's MLflow copy depends on: its stage (an alias) and description. */
export function modelVersionFingerprint(version: ModelVersion): string {
  return `${version.stage}|${version.description ?? ''}`;
}

/** The job item of a version: its stage as an alias (staging, production) and tags, its run's MLflow id when known. */
export function modelVersionJobItem(version: ModelVersion, remoteRunId: string | null): ModelVersionJobItem {
  const tags: Record<string, string> = {
    'airlock.model_version': `${version.name}@${version.version}`,
    'airlock.run_id': version.runId,
    'airlock.stage': version.stage,
    'airlock.base_model': version.lineage.baseModel,
    'airlock.task': version.lineage.task,
  };
  if (version.lineage.datasetSha256) tags['airlock.dataset_fingerprint'] = `sha256:${version.lineage.datasetSha256}`;
  Object.assign(tags, codeTags(version.lineage.config)); // the user code that shaped this model
  return {
    item: modelVersionItemId(version),
    kind: 'model_version',
    local_ref: `${version.name}@${version.version}`,
    name: version.name,
    airlock_run_id: version.runId,
    remote_run_id: remoteRunId,
    description: version.description,
    tags,
    alias: version.stage === 'staging' || version.stage === 'production' ? version.stage : null,
  };
}
