import type { RunConfig } from '../../../schemas/config.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { JobFile } from './out-folder.ts';

/** A cluster run's config as this workstation can train it, or why it cannot. */
export type LocalConfig = { config: RunConfig; refused: null } | { config: null; refused: string };

/**
 * The config of a cluster run with its data and model pointing at this workstation's stored dataset and cached
 * model (the job's config names copies inside the job folder), on one machine. Used to resume the run here.
 */
export function localConfigFor(cluster: RunConfig, job: JobFile, dataset: Dataset | undefined, model: CachedModel | undefined): LocalConfig {
  const runId = job.run_id;
  if (!model) {
    return { config: null, refused: `Run ${runId} ran on a cluster with the base model "${job.model.name}" (${job.model.id}), which is not in this workstation's model cache; resume it on the cluster, or import that model here and import the run again.` };
  }
  if (!dataset) {
    const named = job.dataset ? `"${job.dataset.name}" (${job.dataset.id})` : 'it trained on';
    return { config: null, refused: `Run ${runId} ran on a cluster and the dataset ${named} is not stored on this workstation; resume it on the cluster, or import that dataset here and import the run again.` };
  }
  // job.json's dataset is the one trained on; a validation or test file is the same table, or another dataset.
  const same = (value: string) => value === cluster.data.train_path || value.split(/[\\/]/).includes(dataset.id);
  const other = (['val_path', 'test_path'] as const).find((field) => cluster.data[field] !== null && !same(cluster.data[field]!));
  if (other) {
    return { config: null, refused: `Run ${runId} ran on a cluster with data.${other} ${cluster.data[other]}, which is not the dataset "${dataset.name}" stored here; resume it on the cluster.` };
  }
  const local = (value: string | null) => (value === null ? null : dataset.dataPath);
  const training = cluster.training;
  return {
    refused: null,
    config: {
      ...cluster,
      model: { ...cluster.model, name: model.path },
      data: { ...cluster.data, train_path: dataset.dataPath, val_path: local(cluster.data.val_path), test_path: local(cluster.data.test_path) },
      // One machine now: every device it has (the cluster's count per node may not exist here).
      training: { ...training, num_nodes: 1, devices: training.devices === 'cpu' ? 'cpu' : 'auto' },
    },
  };
}
