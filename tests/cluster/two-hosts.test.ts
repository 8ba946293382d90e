import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { airlock, waitFor } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { jsonLines } from '../helpers/cluster-job.ts';
import { canMakeHosts, makeTwoHosts, type TwoHosts } from '../helpers/netns.ts';
import { tinyModelPath, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';

// Two machines, for real networking: two Linux network namespaces joined by a veth pair, each running the
// exported launch_torchrun.sh with its own NODE_RANK and node 0's address as the master, on the CPU (gloo).
// They share the job folder, as cluster nodes share a file system. Needs root (ip netns): CI runs as root.

interface NodeRun {
  code: number | null;
  stderr: string;
  seconds: number;
}

/** Every descendant of `pid` (from /proc), deepest last. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const walk = (id: number) => {
    for (const child of children.get(id) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** The complete event lines written so far (the file may be empty, or end in a line being written). */
function eventsSoFar(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/** SIGKILL a launcher and everything it started, as a node losing power would. */
function killNode(child: ChildProcess): void {
  for (const pid of [child.pid!, ...descendants(child.pid!)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe.skipIf(!canMakeHosts)('a job on two hosts (network namespaces), through launch_torchrun.sh', () => {
  const dir = tempDir('airlock-two-hosts-');
  const home = join(dir.path, 'home');
  let hosts: TwoHosts;
  let port = 29400 + (process.pid % 500);

  function exportJob(name: string, training: Record<string, unknown>): string {
    const csv = join(dir.path, 'reviews.csv');
    if (!existsSync(csv)) writeSentimentCsv(csv, 40);
    const config = writeTinyRunConfig(join(dir.path, `${name}.yaml`), csv, { training: { distributed_timeout_s: 20, ...training } });
    const job = join(dir.path, name);
    const exported = airlock(home, ['cluster', 'export', config, '--nodes', '2', '--gpus-per-node', '1', '--to', job]);
    expect(exported.code, exported.stderr).toBe(0);
    return job;
  }

  /** Starts launch_torchrun.sh on one host. */
  function launch(job: string, node: 0 | 1, extra: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<NodeRun> } {
    const started = Date.now();
    const child = hosts.spawn(node, 'bash', [join(job, 'launch_torchrun.sh')], {
      cwd: dir.path,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AIRLOCK_PYTHON: join(process.cwd(), '.venv', 'bin', 'python'),
        OMP_NUM_THREADS: '1',
        NNODES: '2',
        NODE_RANK: String(node),
        MASTER_ADDR: hosts.addresses[0],
        MASTER_PORT: String(port),
        AIRLOCK_CONNECT_TIMEOUT_S: '60',
        AIRLOCK_SEAL_WAIT_S: '3',
        ...extra,
      },
    });
    let stderr = '';
    child.stdout!.resume();
    child.stderr!.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const done = new Promise<NodeRun>((resolve) => child.on('close', (code) => resolve({ code, stderr, seconds: (Date.now() - started) / 1000 })));
    return { child, done };
  }

  function logs(job: string): string {
    const folder = join(job, 'out', 'logs');
    if (!existsSync(folder)) return '';
    return readdirSync(folder).map((name) => `--- ${name}\n${readFileSync(join(folder, name), 'utf8').slice(-2500)}`).join('\n');
  }

  beforeAll(() => {
    hosts = makeTwoHosts();
    expect(airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
  });
  afterAll(() => {
    hosts?.teardown();
    dir.cleanup();
  });

  it('trains across both hosts, and `airlock runs import` brings the run into the history', async () => {
    const job = exportJob('job-ok', { max_epochs: 2 });
    port += 1;
    const nodes = [launch(job, 0), launch(job, 1)];
    const [zero, one] = await Promise.all(nodes.map((node) => node.done));
    expect(zero.code, `${zero.stderr}\n${logs(job)}`).toBe(0);
    expect(one.code, `${one.stderr}\n${logs(job)}`).toBe(0);

    const events = jsonLines(join(job, 'out', 'events.jsonl'));
    const started = events.find((event) => event.type === 'started');
    expect(started).toMatchObject({ num_nodes: 2, world_size: 2, strategy: 'ddp', effective_batch_size: 16 });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed' });
    const attempts = jsonLines(join(job, 'out', 'attempts.jsonl'));
    expect(attempts.map((attempt) => [attempt.node_rank, attempt.exit_code]).sort()).toEqual([[0, 0], [1, 0]]);

    const imported = airlock(home, ['runs', 'import', join(job, 'out'), '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const run = imported.json.run;
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.cluster).toMatchObject({ nodes: 2, world_size: 2 });
    const epochs = events.filter((event) => event.type === 'epoch').length;
    const shown = airlock(home, ['runs', 'show', run.id, '--json']).json.run;
    // every epoch's validation score recorded once, whatever the world size
    expect(shown.curves.filter((point: { key: string }) => point.key === 'val/f1_macro')).toHaveLength(epochs);
    expect(existsSync(join(run.modelDir, 'model.safetensors'))).toBe(true);
    console.log(`two hosts: ranks ${hosts.addresses[0]} (node 0, rank 0) and ${hosts.addresses[1]} (node 1, rank 1); ` +
      `node 0 ${zero.seconds.toFixed(1)} s, node 1 ${one.seconds.toFixed(1)} s; imported run ${run.id}: ${run.status}, ` +
      `${run.cluster.nodes} nodes × ${run.cluster.gpus_per_node} process, ${epochs} epochs, ` +
      `val/f1_macro ${run.metrics['val/f1_macro']?.toFixed(3)}`);
  });

  it('a node killed mid-run stops the other with RANK_LOST within the timeout, and the run resumes from its checkpoint', async () => {
    const job = exportJob('job-kill', { max_epochs: 30 });
    port += 1;
    const zero = launch(job, 0);
    const one = launch(job, 1);
    const events = join(job, 'out', 'events.jsonl');
    await waitFor(() => eventsSoFar(events).some((event) => event.type === 'checkpoint' && event.kind === 'last'), 180_000, 'the first checkpoint');
    killNode(one.child);
    const killedAt = Date.now();
    const survivor = await zero.done;
    const waited = (Date.now() - killedAt) / 1000;
    expect(survivor.code, logs(job)).not.toBe(0);
    const last = jsonLines(events).at(-1);
    expect(last, logs(job)).toMatchObject({ type: 'error', code: 'RANK_LOST' });
    expect(last.message).toMatch(/rank 1/i);
    // The process-group timeout is 20 s; a closed connection is noticed at once. Generous bound for a busy CI machine.
    expect(waited).toBeLessThan(20 + 60);

    port += 1;
    const again = [launch(job, 0), launch(job, 1)];
    const [zeroAgain, oneAgain] = await Promise.all(again.map((node) => node.done));
    expect(zeroAgain.code, `${zeroAgain.stderr}\n${logs(job)}`).toBe(0);
    expect(oneAgain.code).toBe(0);
    const all = jsonLines(events);
    const resumed = all.filter((event) => event.type === 'started').at(-1);
    expect(resumed.resumed_from).toMatch(/last\.ckpt$/);
    expect(all.at(-1)).toMatchObject({ type: 'finished', status: 'completed' });

    const imported = airlock(home, ['runs', 'import', join(job, 'out'), '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.run.status).toBe('completed');
    expect(imported.json.run.cluster.attempts.length).toBeGreaterThanOrEqual(2);
    console.log(`node 1 killed: node 0 stopped with ${last.code} after ${waited.toFixed(1)} s ("${last.message}"); resumed and completed`);
  });

  it('a wrong master address is reported by the node within its connect timeout', async () => {
    const job = exportJob('job-wrong-master', { max_epochs: 1 });
    const wrong = hosts.addresses[1].replace(/\.2$/, '.99');
    const node = launch(job, 1, { MASTER_ADDR: wrong, AIRLOCK_CONNECT_TIMEOUT_S: '3' });
    const result = await node.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('MASTER_UNREACHABLE');
    expect(result.stderr).toContain(wrong);
    expect(result.seconds).toBeLessThan(3 + 30);
  });

  it('a tampered data file in the job folder is refused before training', async () => {
    const job = exportJob('job-tampered', { max_epochs: 1 });
    const data = join(job, 'data');
    const table = readdirSync(data, { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith('table.jsonl'))!;
    writeFileSync(join(data, table), readFileSync(join(data, table), 'utf8').replace('positive', 'negative'));
    const result = await launch(job, 0).done;
    expect(result.code).not.toBe(0);
    const last = jsonLines(join(job, 'out', 'events.jsonl')).at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'JOB_FILE_CHANGED' });
    expect(last.message).toContain('table.jsonl');
    expect(existsSync(join(job, 'out', 'checkpoints'))).toBe(false);
  });
});
