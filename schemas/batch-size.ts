import type { z } from 'zod';
import type { TrainingSection } from './config.ts';

/** The training fields the effective batch size depends on. */
export type BatchSettings = Pick<z.input<typeof TrainingSection>, 'batch_size' | 'devices' | 'accelerator' | 'num_nodes' | 'accumulate_grad_batches'>;

/** The formula, in the config's own field names. */
export const EFFECTIVE_BATCH_FORMULA = 'batch_size × devices × num_nodes × accumulate_grad_batches';

/**
 * The processes each node trains with: a number as written; one for `cpu` (or `auto` on the CPU accelerator);
 * for `auto` the GPUs found (one when there are none), or null while the GPU count is unknown.
 */
export function devicesPerNode(training: BatchSettings, gpusFound: number | null): number | null {
  const devices = training.devices ?? 'auto';
  if (typeof devices === 'number') return devices;
  if (devices === 'cpu' || training.accelerator === 'cpu') return 1;
  return gpusFound === null ? null : Math.max(gpusFound, 1);
}

/** The rows behind each optimizer step, over every device and node; null while `devices: auto` meets an unknown GPU count. */
export function effectiveBatchSize(training: BatchSettings, gpusFound: number | null): number | null {
  const devices = devicesPerNode(training, gpusFound);
  if (devices === null) return null;
  return (training.batch_size ?? 32) * devices * (training.num_nodes ?? 1) * (training.accumulate_grad_batches ?? 1);
}

/**
 * The formula with this config's numbers: "… = 32 × 2 × 1 × 4 = 256", or, for `devices: auto` with the GPU count
 * unknown, "… = 32 × the GPUs found × 1 × 4".
 */
export function effectiveBatchLine(training: BatchSettings, gpusFound: number | null): string {
  const devices = devicesPerNode(training, gpusFound);
  const factors = [training.batch_size ?? 32, devices ?? 'the GPUs found', training.num_nodes ?? 1, training.accumulate_grad_batches ?? 1].join(' × ');
  const total = effectiveBatchSize(training, gpusFound);
  return `Effective batch size = ${EFFECTIVE_BATCH_FORMULA} = ${factors}${total === null ? '' : ` = ${total}`}`;
}
