import { exportClusterJob } from '../cluster/export-job.ts';
import { parseConfig } from '../config/yaml.ts';
import { requireFullPath } from '../util/paths.ts';
import type { HandlerContext } from './handlers.ts';

/**
 * Handlers for cluster jobs (api-cluster.ts). An export streams its copy progress as notices (task
 * "cluster-export", id = the target folder) and answers once the job folder is in place.
 */
export function registerClusterHandlers({ handle, services, notify }: HandlerContext): void {
  handle('cluster.export', async (input) => {
    const to = requireFullPath(input.to, { field: 'to', what: 'job folder', exampleName: 'airlock-job' });
    return exportClusterJob(
      { home: services.paths.root, datasets: services.datasets, models: services.models },
      { config: parseConfig(input.config), nodes: input.nodes, gpusPerNode: input.gpusPerNode, to, sharedPath: input.sharedPath },
      (fraction) => notify({ kind: 'progress', task: 'cluster-export', id: to, fraction }),
    );
  });
}
