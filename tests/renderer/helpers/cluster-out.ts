import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Run } from '../../../schemas/run.ts';

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * A job's out/ folder as the contract describes it (events, config, job.json, model, checkpoints, one attempt line
 * per node, each node's log, MANIFEST.sha256), made from a run trained on this machine: its events are the real
 * trainer's, carried under the job's run id, as rank 0 of a `nodes`-node job would have written them.
 */
export function clusterOutFrom(run: Run, out: string, job: { runId: string; nodes: number; gpusPerNode: number }): string {
  mkdirSync(join(out, 'logs'), { recursive: true });
  const events = readFileSync(join(run.runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.stringify({ ...JSON.parse(line), run_id: job.runId }));
  writeFileSync(join(out, 'events.jsonl'), events.join('\n') + '\n');
  const config = readFileSync(join(run.runDir, 'config.yaml'));
  writeFileSync(join(out, 'config.yaml'), config);
  writeFileSync(
    join(out, 'job.json'),
    JSON.stringify({
      format: 'airlock-cluster-job',
      version: 1,
      run_id: job.runId,
      created_at: run.createdAt,
      nodes: job.nodes,
      gpus_per_node: job.gpusPerNode,
      config_sha256: createHash('sha256').update(config).digest('hex'),
      dataset: run.datasetId ? { id: run.datasetId, name: run.datasetId } : null,
      model: { id: run.modelId, name: run.modelId },
      shared_path: null,
      trainer: { python: '3.11', torch: null, lightning: null, transformers: null },
    }),
  );
  cpSync(join(run.runDir, 'model'), join(out, 'model'), { recursive: true });
  cpSync(join(run.runDir, 'checkpoints'), join(out, 'checkpoints'), { recursive: true });
  const startedAt = run.startedAt ?? run.createdAt;
  const endedAt = run.finishedAt ?? startedAt;
  const attempts = Array.from({ length: job.nodes }, (_, node) => ({
    node_rank: node,
    host: `node-${node}`,
    started_at: startedAt,
    ended_at: endedAt,
    exit_code: 0,
    nnodes: job.nodes,
    nproc_per_node: job.gpusPerNode,
  }));
  writeFileSync(join(out, 'attempts.jsonl'), attempts.map((line) => JSON.stringify(line)).join('\n') + '\n');
  for (let node = 0; node < job.nodes; node++) writeFileSync(join(out, 'logs', `node-${node}.log`), `node ${node} trained\n`);
  const manifest = filesUnder(out).map((path) => `${createHash('sha256').update(readFileSync(path)).digest('hex')}  ${relative(out, path)}`);
  writeFileSync(join(out, 'MANIFEST.sha256'), manifest.join('\n') + '\n');
  return out;
}
