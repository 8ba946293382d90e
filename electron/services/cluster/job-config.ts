import type { RunConfig } from '../../../schemas/config.ts';
import { TABLE_FILE } from '../datasets/canonical-table.ts';
import { datasetFolderName } from './job-files.ts';

/** Where a job's data and model live, as its config names them: relative to the job folder, or under a shared path. */
export interface JobLayout {
  /** Prefix of data/ and model: '' (relative to the job folder) or an absolute folder on the cluster ending in '/'. */
  base: string;
}

/** The folder under data/ a resolved table path is placed in. */
export function dataFolder(tablePath: string): string {
  return `data/${datasetFolderName(tablePath)}`;
}

/**
 * The resolved config as the cluster runs it: the world (num_nodes × devices per node) and the data and model
 * paths inside the job folder (relative, read from the job folder) or under the shared path.
 */
export function jobConfig(resolved: RunConfig, nodes: number, gpusPerNode: number, layout: JobLayout): RunConfig {
  const table = (path: string) => `${layout.base}${dataFolder(path)}/${TABLE_FILE}`;
  return {
    ...resolved,
    model: { ...resolved.model, name: `${layout.base}model` },
    data: {
      ...resolved.data,
      train_path: table(resolved.data.train_path),
      val_path: resolved.data.val_path === null ? null : table(resolved.data.val_path),
      test_path: resolved.data.test_path === null ? null : table(resolved.data.test_path),
    },
    // accelerator auto: each node trains on its GPUs when CUDA works there, else on its CPU (a workstation config
    // made for CPU processes must not keep a GPU cluster on the CPU).
    training: { ...resolved.training, num_nodes: nodes, devices: gpusPerNode, accelerator: 'auto' },
  };
}
