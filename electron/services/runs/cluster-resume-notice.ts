import type { TrainerEvent } from '../../../schemas/events.ts';
import { clusterDetails, type Run } from '../../../schemas/run.ts';

type StartedEvent = Extract<TrainerEvent, { type: 'started' }>;

/**
 * What changes when a cluster run continues on this workstation: fewer (or other) processes, so another effective
 * batch size. `run` is the record as it stood before the resume (its details.data are the cluster's); null for a
 * run trained here.
 */
export function clusterResumeNotice(run: Run, started: StartedEvent): string | null {
  const cluster = clusterDetails(run);
  if (!cluster) return null;
  const training = run.config.training;
  const perStep = training.batch_size * training.accumulate_grad_batches;
  const before = (run.details as { data?: { effective_batch_size?: unknown } }).data?.effective_batch_size;
  const clusterBatch = typeof before === 'number' ? before : perStep * cluster.world_size;
  const world = started.world_size ?? started.devices;
  const hereBatch = started.effective_batch_size ?? perStep * world;
  const nodes = `${cluster.nodes} node${cluster.nodes === 1 ? '' : 's'} × ${cluster.gpus_per_node}`;
  return `Trained on ${nodes} (effective batch ${clusterBatch}); continues here on ${world} process${world === 1 ? '' : 'es'} (effective batch ${hereBatch}).`;
}
