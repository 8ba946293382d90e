import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '../../../schemas/run.ts';
import { clusterDetails } from '../../../schemas/run.ts';
import { userPath } from '../paths.ts';
import { call, positional, type CommandContext } from './types.ts';

/** Where a run trained, for the run list: `cluster 2×4` for an imported cluster run, else its device. */
export function ranOn(run: Run): string {
  const cluster = clusterDetails(run);
  return cluster ? `cluster ${cluster.nodes}×${cluster.gpus_per_node}` : (run.device ?? '-');
}

function describeImport(run: Run): string {
  const cluster = clusterDetails(run)!;
  const attempts = cluster.attempts.length;
  const metrics = Object.keys(run.metrics)
    .filter((key) => /^(val|test)\//.test(key))
    .sort()
    .map((key) => `${key} ${run.metrics[key].toFixed(4)}`);
  const lines = [
    `Imported run ${run.id}: ${run.status}${run.durationS !== null ? ` in ${run.durationS.toFixed(1)} s` : ''}`,
    `  ${cluster.nodes} node${cluster.nodes === 1 ? '' : 's'} × ${cluster.gpus_per_node} device${cluster.gpus_per_node === 1 ? '' : 's'} (world size ${cluster.world_size}), ${attempts} attempt${attempts === 1 ? '' : 's'}${run.device ? `, ${run.device}` : ''}`,
  ];
  if (metrics.length) lines.push(`  ${metrics.join('  ')}`);
  if (run.modelDir) lines.push(`  Model: ${run.modelDir}`);
  lines.push(`  Run folder: ${run.runDir}`);
  if (run.error) lines.push(`  Error [${run.error.code}]: ${run.error.message}`);
  if (run.status !== 'completed') {
    if (cluster.resume_refused) lines.push(`  ${cluster.resume_refused}`);
    else if (existsSync(join(run.runDir, 'checkpoints', 'last.ckpt'))) lines.push(`  Continue it here with: airlock resume ${run.id}`);
    else lines.push('  It stopped before its first checkpoint was saved: there is nothing to continue; train it again.');
  }
  return lines.join('\n');
}

/** `airlock runs import <out>`: brings a cluster run's out/ folder into the history and says what it was. */
export async function importRunCommand(context: CommandContext, usage: string): Promise<void> {
  const path = userPath(positional(context, 1, 'the out/ folder of a cluster job', usage));
  const { run } = await call(context, 'runs.import', { path });
  context.output.result(
    { run: { id: run.id, status: run.status, metrics: run.metrics, durationS: run.durationS, runDir: run.runDir, modelDir: run.modelDir, error: run.error, cluster: clusterDetails(run) } },
    () => describeImport(run),
  );
}
