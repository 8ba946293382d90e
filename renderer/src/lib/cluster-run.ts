/** What a run record says about a cluster run brought back with runs.import (`details.cluster`). */
import { z } from 'zod';
import type { Run } from '../../../schemas/run.ts';

/** One node's part in one attempt, as the launcher wrote it to out/attempts.jsonl. */
const NodeAttempt = z.object({
  attempt: z.number().int().optional(),
  node_rank: z.number().int().optional(),
  host: z.string().optional(),
  started_at: z.string().nullable().optional(),
  ended_at: z.string().nullable().optional(),
  exit_code: z.number().int().nullable().optional(),
});
export type NodeAttempt = z.infer<typeof NodeAttempt>;

const ClusterDetails = z.object({
  nodes: z.number().int().min(1),
  gpus_per_node: z.number().int().min(1),
  world_size: z.number().int().min(1),
  attempts: z.union([z.number().int(), z.array(NodeAttempt)]).optional(),
  imported_from: z.string(),
  job_created_at: z.string().nullable().optional(),
});
export type ClusterDetails = z.infer<typeof ClusterDetails>;

/** The cluster facts of a run, or null for a run trained on this machine. */
export function clusterOf(run: Pick<Run, 'details'>): ClusterDetails | null {
  const parsed = ClusterDetails.safeParse(run.details.cluster);
  return parsed.success ? parsed.data : null;
}

/** "2 nodes × 4 devices (world 8)". */
export function describeCluster(cluster: ClusterDetails): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${plural(cluster.nodes, 'node')} × ${plural(cluster.gpus_per_node, 'device')} (world ${cluster.world_size})`;
}

/** Seconds between two ISO times, or null when either is missing. */
export function secondsBetween(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  const seconds = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(seconds) ? seconds : null;
}
