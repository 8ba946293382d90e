import { z } from 'zod';
import { AirlockErrorShape } from './errors.ts';
import { RecordedRunConfig } from './config.ts';
import { GenerationsEvent } from './events.ts';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

/** One training run in the local history. */
export const Run = z.object({
  id: z.string(),
  status: RunStatus,
  experiment: z.string(),
  datasetId: z.string().nullable(),
  modelId: z.string(),
  config: RecordedRunConfig.describe('The resolved config the trainer ran with.'),
  runDir: z.string(),
  modelDir: z.string().nullable(),
  device: z.string().nullable(),
  precision: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  details: z.record(z.string(), z.unknown()),
  error: AirlockErrorShape.nullable(),
  stderrTail: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationS: z.number().nullable(),
  attempts: z.number().int().describe('How many times the trainer was started for this run (resumes included).'),
});
export type Run = z.infer<typeof Run>;

/** One recorded value of a metric. */
export const MetricPoint = z.object({ key: z.string(), step: z.number().int(), value: z.number(), ts: z.string() });
export type MetricPoint = z.infer<typeof MetricPoint>;

/**
 * The key an epoch event's metric is recorded under. Epoch-level training metrics (the epoch's mean loss)
 * get their own `epoch/` key, so the per-step curve of the same name stays one point per step.
 */
export function epochMetricKey(key: string): string {
  return key.startsWith('train/') ? `epoch/${key}` : key;
}

/**
 * The key under which each epoch event records its epoch number (0-based, as Lightning counts), at the step the
 * epoch ended. Charts read it to put per-epoch metrics on an epoch axis; MLflow gets it as Lightning's loggers send it.
 */
export const EPOCH_KEY = 'epoch';

/** The metric values an epoch event records: each metric under {@link epochMetricKey}, and the epoch number. */
export function epochEventValues(event: { epoch: number; metrics: Record<string, number> }): [string, number][] {
  return [...Object.entries(event.metrics).map(([key, value]): [string, number] => [epochMetricKey(key), value]), [EPOCH_KEY, event.epoch]];
}

/** How a run's work was split, as its trainer's started event said (absent for single-process runs of older versions). */
export const RunWorld = z.object({
  world_size: z.number().int().min(1),
  num_nodes: z.number().int().min(1).optional(),
  strategy: z.string().optional(),
  effective_batch_size: z.number().int().min(1).optional(),
});
export type RunWorld = z.infer<typeof RunWorld>;

/** The split of the work stored with a run (kept beside the split sizes under `data`); null when the trainer did not say. */
export function runWorld(run: Pick<Run, 'details'>): RunWorld | null {
  const parsed = RunWorld.safeParse(run.details.data);
  return parsed.success ? parsed.data : null;
}

/** Split sizes of a run as its trainer reported them, kept in the run record's details under `data`. */
export const RunDataCounts = z.object({
  train_rows: z.number().int(),
  val_rows: z.number().int(),
  test_rows: z.number().int(),
  total_steps: z.number().int(),
});
export type RunDataCounts = z.infer<typeof RunDataCounts>;

/** The split sizes stored with a run (null for runs recorded before Airlock kept them, or that never started). */
export function runDataCounts(run: Pick<Run, 'details'>): RunDataCounts | null {
  const parsed = RunDataCounts.safeParse(run.details.data);
  return parsed.success ? parsed.data : null;
}

/** What a causal_lm model wrote for the fixed validation prompts after one epoch (a `generations` event, kept in the history). */
export const GenerationRound = GenerationsEvent.pick({ epoch: true, step: true, samples: true });
export type GenerationRound = z.infer<typeof GenerationRound>;

/** One attempt of a cluster run (a requeue or a resume starts another): when it ran and how each node's launcher ended. */
export const ClusterAttempt = z.object({
  attempt: z.number().int().min(1),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  duration_s: z.number().nullable().describe('Wall-clock seconds from the first node start to the last node end (or the trainer\'s own count).'),
  status: RunStatus,
  nodes: z.array(z.object({ node_rank: z.number().int(), host: z.string(), exit_code: z.number().int().nullable() })),
});
export type ClusterAttempt = z.infer<typeof ClusterAttempt>;

/** Where and how a run imported with `airlock runs import` ran, kept in the run record's details under `cluster`. */
export const ClusterRunDetails = z.object({
  nodes: z.number().int().min(1),
  gpus_per_node: z.number().int().min(1),
  world_size: z.number().int().min(1),
  attempts: z.array(ClusterAttempt),
  imported_from: z.string().describe('The out/ folder it was imported from.'),
  job_created_at: z.string(),
  resume_refused: z.string().nullable().describe('Why this workstation cannot resume it (its dataset or base model is not stored here); null when it can.'),
});
export type ClusterRunDetails = z.infer<typeof ClusterRunDetails>;

/** The cluster facts of an imported run; null for a run trained here. */
export function clusterDetails(run: Pick<Run, 'details'>): ClusterRunDetails | null {
  const parsed = ClusterRunDetails.safeParse(run.details.cluster);
  return parsed.success ? parsed.data : null;
}
