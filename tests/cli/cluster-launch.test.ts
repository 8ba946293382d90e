import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { jsonLines as lines, singleNodeEnv } from '../helpers/cluster-job.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';

// The exported job run as an operator would: launch_torchrun.sh on one node, torchrun starting two trainer
// processes on the CPU (gloo), node 0's launcher writing out/ and sealing it.

describe('an exported job trained by launch_torchrun.sh on the CPU', () => {
  const dir = tempDir('airlock-cluster-launch-');
  const home = join(dir.path, 'home');
  const job = join(dir.path, 'job');
  beforeAll(() => {
    const csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 10);
    expect(airlock(home, ['import', csv, '--json']).code).toBe(0);
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
    const config = writeTinyRunConfig(join(dir.path, 'run.yaml'), csv, { training: { max_epochs: 1 } });
    const exported = airlock(home, ['cluster', 'export', config, '--nodes', '1', '--gpus-per-node', '2', '--to', job]);
    expect(exported.code, exported.stderr).toBe(0);
  });
  afterAll(() => dir.cleanup());

  it('NNODES=1 with two processes: one event stream, a model, an attempt line and a sealed out/', async () => {
    const env = await singleNodeEnv();
    const result = spawnSync('bash', [join(job, 'launch_torchrun.sh')], { encoding: 'utf8', env, cwd: dir.path, timeout: 300_000 });
    const out = join(job, 'out');
    expect(result.status, `${result.stderr}\n${existsSync(join(out, 'logs', 'node-0.log')) ? readFileSync(join(out, 'logs', 'node-0.log'), 'utf8').slice(-3000) : ''}`).toBe(0);

    const events = lines(join(out, 'events.jsonl'));
    const runId = JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')).run_id;
    expect(events.every((event) => event.run_id === runId)).toBe(true);
    expect(events.filter((event) => event.type === 'started')).toMatchObject([{ num_nodes: 1, world_size: 2 }]);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index)); // rank 0 alone wrote them
    expect(existsSync(join(out, 'model', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'last.ckpt'))).toBe(true);
    expect(lines(join(out, 'attempts.jsonl'))).toMatchObject([{ node_rank: 0, exit_code: 0, nnodes: 1, nproc_per_node: 2 }]);
    const sealed = spawnSync('sha256sum', ['--strict', '-c', 'MANIFEST.sha256'], { cwd: out, encoding: 'utf8' });
    expect(sealed.status, sealed.stdout + sealed.stderr).toBe(0);
    expect(sealed.stdout).toContain('events.jsonl: OK');
  });
});
