/** A cluster run's facts in words, from what runs.import keeps in the run record (`details.cluster`). */
import type { ClusterRunDetails } from '../../../schemas/run.ts';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "2 nodes × 4 devices (world 8)". */
export function describeCluster(cluster: Pick<ClusterRunDetails, 'nodes' | 'gpus_per_node' | 'world_size'>): string {
  return `${plural(cluster.nodes, 'node')} × ${plural(cluster.gpus_per_node, 'device')} (world ${cluster.world_size})`;
}

/** How each node's launcher ended in one attempt: "node 0 (gpu-a) exit 0, node 1 (gpu-b) exit 137". */
export function describeNodes(nodes: ClusterRunDetails['attempts'][number]['nodes']): string {
  return nodes.map((node) => `node ${node.node_rank} (${node.host}) ${node.exit_code === null ? 'no exit code' : `exit ${node.exit_code}`}`).join(', ');
}
