import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { createServices } from '../../electron/services/index.ts';
import { resolveConfig } from '../../electron/services/config/resolve.ts';
import { parseConfig } from '../../electron/services/config/yaml.ts';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { freePort, jsonLines as lines } from '../helpers/cluster-job.ts';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv, writeTinyRunConfig } from '../helpers/tiny-model.ts';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Every file under `root`, as paths relative to it. */
function walk(root: string, folder = root): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(root, path) : [relative(root, path)];
  });
}

/** The manifest's lines as [sha256, path]. */
function manifest(job: string): [string, string][] {
  return readFileSync(join(job, 'MANIFEST.sha256'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('  ') as [string, string]);
}

/** Runs the job's launch_torchrun.sh as one node would, with the checkout's Python. */
function launch(job: string, env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AIRLOCK_PYTHON: join(process.cwd(), '.venv', 'bin', 'python'), OMP_NUM_THREADS: '1' };
  return spawnSync('bash', [join(job, 'launch_torchrun.sh')], { encoding: 'utf8', env: { ...base, ...env }, cwd: job, timeout: 120_000 });
}

describe('airlock cluster export', () => {
  const dir = tempDir('airlock-cluster-');
  const home = join(dir.path, 'home');
  let config: string;
  let datasetId: string;
  let datasetSha256: string;
  beforeAll(() => {
    const csv = writeSentimentCsv(join(dir.path, 'reviews.csv'));
    const imported = airlock(home, ['import', csv, '--name', 'reviews', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    datasetId = imported.json.dataset.id;
    datasetSha256 = imported.json.dataset.sha256;
    const model = airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']);
    expect(model.code, model.stderr).toBe(0);
    config = writeTinyRunConfig(join(dir.path, 'run.yaml'), csv);
  });
  afterAll(() => dir.cleanup());

  it('writes a job folder whose every file sha256sum verifies, with the world and paths set for the cluster', () => {
    const job = join(dir.path, 'job');
    const result = airlock(home, ['cluster', 'export', config, '--nodes', '2', '--gpus-per-node', '3', '--to', job, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.folder).toBe(job);

    for (const file of ['job.json', 'config.yaml', 'MANIFEST.sha256', 'launch_torchrun.sh', 'job.sbatch', 'README.md', 'trainer/airlock_trainer/__main__.py', 'trainer/airlock_trainer/cluster_check.py', 'model/config.json', 'model/model.safetensors']) {
      expect(existsSync(join(job, file)), file).toBe(true);
    }
    expect(walk(job).filter((path) => path.includes('__pycache__') || path.endsWith('.pyc'))).toEqual([]);
    expect(existsSync(`${job}.partial`)).toBe(false);

    const checked = spawnSync('sha256sum', ['--strict', '-c', 'MANIFEST.sha256'], { cwd: job, encoding: 'utf8' });
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    // Every file but the manifest itself is listed, and nothing else.
    expect(manifest(job).map(([, path]) => path).sort()).toEqual(walk(job).filter((path) => path !== 'MANIFEST.sha256').sort());
    expect(result.json.files).toBe(manifest(job).length);
    expect(result.json.bytes).toBe(manifest(job).reduce((sum, [, path]) => sum + statSync(join(job, path)).size, 0));

    const configBytes = readFileSync(join(job, 'config.yaml'));
    const jobJson = JSON.parse(readFileSync(join(job, 'job.json'), 'utf8'));
    expect(result.json.configSha256).toBe(sha256(configBytes));
    expect(jobJson).toMatchObject({ format: 'airlock-cluster-job', version: 1, nodes: 2, gpus_per_node: 3, config_sha256: sha256(configBytes), dataset: { id: datasetId, name: 'reviews', sha256: datasetSha256 }, model: { id: 'tiny', name: 'tiny' }, shared_path: null });
    expect(jobJson.run_id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(jobJson.trainer.python).toMatch(/^3\.\d+$/);

    const written = parse(configBytes.toString('utf8'));
    expect(written.training).toMatchObject({ num_nodes: 2, devices: 3, accelerator: 'auto' });
    expect(written.model.name).toBe('model');
    expect(written.data.train_path).toBe(`data/${datasetId}/table.jsonl`);
    // The paths resolve inside the job folder, to the dataset's canonical table and the cached model as stored.
    expect(readFileSync(join(job, written.data.train_path))).toEqual(readFileSync(join(home, 'datasets', datasetId, 'table.jsonl')));
    expect(readFileSync(join(job, written.model.name, 'model.safetensors'))).toEqual(readFileSync(join(home, 'models', 'tiny', 'model.safetensors')));

    for (const script of ['launch_torchrun.sh', 'job.sbatch']) {
      const syntax = spawnSync('bash', ['-n', join(job, script)], { encoding: 'utf8' });
      expect(syntax.status, `${script}: ${syntax.stderr}`).toBe(0);
    }
    const sbatch = readFileSync(join(job, 'job.sbatch'), 'utf8');
    for (const line of ['#SBATCH --nodes=2', '#SBATCH --ntasks-per-node=3', '#SBATCH --gpus-per-node=3', '#SBATCH --requeue', '#SBATCH --signal=B:USR1@120']) expect(sbatch).toContain(line);
    expect(sbatch).toMatch(/trap requeue USR1/);
    expect(result.json.commands.torchrun).toBe(`NNODES=2 NODE_RANK=<0..1> MASTER_ADDR=<node 0's address> MASTER_PORT=29500 bash ${job}/launch_torchrun.sh`);
    expect(result.json.commands.slurm).toBe(`cd ${job} && sbatch job.sbatch`);
    const readme = readFileSync(join(job, 'README.md'), 'utf8');
    for (const words of ['cluster-seal --out out', 'RUN_IMPORT_CHANGED', 'kill -TERM -- -<pgid>', 'own session', 'NODE_RANK` 0..1', 'NCCL_DEBUG=INFO', 'NCCL_SOCKET_IFNAME', 'NCCL_IB_DISABLE', 'TORCH_DISTRIBUTED_DEBUG', 'airlock runs import <job>/out', 'MASTER_PORT']) expect(readme).toContain(words);
  });

  it('the copied trainer checks its own job folder, and refuses it once a data file was changed', () => {
    const job = join(dir.path, 'job-checked');
    expect(airlock(home, ['cluster', 'export', config, '--nodes', '1', '--gpus-per-node', '1', '--to', job]).code).toBe(0);
    const check = () =>
      spawnSync(join(process.cwd(), '.venv', 'bin', 'python'), ['-m', 'airlock_trainer', 'cluster-check', '--job', job, '--node-rank', '0', '--master-addr', '127.0.0.1', '--master-port', '0', '--timeout', '2'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, PYTHONPATH: join(job, 'trainer') },
        cwd: dir.path,
      });
    // Port 0 is refused by the check itself: it still reads the manifest first.
    const whole = check();
    expect(JSON.parse(whole.stdout).code, whole.stderr).toBe('MASTER_ADDRESS_INVALID');
    writeFileSync(join(job, 'data', datasetId, 'table.jsonl'), '["tampered", "positive"]\n', { flag: 'a' });
    const tampered = check();
    expect(tampered.status).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ type: 'error', code: 'JOB_FILE_CHANGED', field: `data/${datasetId}/table.jsonl` });
  });

  it('with --shared-path copies neither data nor model, and lists their cluster paths with the local hashes', () => {
    const job = join(dir.path, 'job-shared');
    const result = airlock(home, ['cluster', 'export', config, '--nodes', '2', '--gpus-per-node', '1', '--to', job, '--shared-path', '/shared/airlock/reviews', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(job, 'data'))).toBe(false);
    expect(existsSync(join(job, 'model'))).toBe(false);
    const written = parse(readFileSync(join(job, 'config.yaml'), 'utf8'));
    expect(written.data.train_path).toBe(`/shared/airlock/reviews/data/${datasetId}/table.jsonl`);
    expect(written.model.name).toBe('/shared/airlock/reviews/model');
    const listed = new Map(manifest(job).map(([hash, path]) => [path, hash]));
    expect(listed.get(`/shared/airlock/reviews/data/${datasetId}/table.jsonl`)).toBe(sha256(readFileSync(join(home, 'datasets', datasetId, 'table.jsonl'))));
    expect(listed.get('/shared/airlock/reviews/model/model.safetensors')).toBe(sha256(readFileSync(join(home, 'models', 'tiny', 'model.safetensors'))));
    expect(JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')).shared_path).toBe('/shared/airlock/reviews');
    expect(readFileSync(join(job, 'README.md'), 'utf8')).toContain(`${join(home, 'models', 'tiny', 'model.safetensors')}  ->  /shared/airlock/reviews/model/model.safetensors`);
  });

  it('exports the config, dataset and model a recorded run used, given its id', async () => {
    const services = await createServices(home);
    const resolved = await resolveConfig(parseConfig(tinyRunConfig(join(dir.path, 'reviews.csv'), { training: { batch_size: 4 } })), services.datasets, services.models);
    const runDir = join(home, 'runs', 'run-recorded');
    mkdirSync(runDir, { recursive: true });
    services.runs.create({ id: 'run-recorded', experiment: 'cli-test', datasetId: resolved.datasetId, modelId: resolved.modelId, config: resolved.config, runDir, createdAt: new Date().toISOString() });
    services.close();

    const job = join(dir.path, 'job-from-run');
    const result = airlock(home, ['cluster', 'export', 'run-recorded', '--nodes', '1', '--gpus-per-node', '2', '--to', job, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const written = parse(readFileSync(join(job, 'config.yaml'), 'utf8'));
    expect(written.training).toMatchObject({ batch_size: 4, num_nodes: 1, devices: 2 });
    expect(written.data.train_path).toBe(`data/${datasetId}/table.jsonl`);
    expect(JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')).dataset.id).toBe(datasetId);
    expect(spawnSync('sha256sum', ['--quiet', '-c', 'MANIFEST.sha256'], { cwd: job }).status).toBe(0);
  });

  it('carries the user code a config names beside config.yaml, in the manifest', () => {
    writeFileSync(join(dir.path, 'my_loss.py'), 'class MyLoss:\n    pass\n');
    const withCode = join(dir.path, 'with-code.yaml');
    writeFileSync(withCode, stringify({ ...tinyRunConfig(join(dir.path, 'reviews.csv')), allow_custom_code: true, training: { ...(tinyRunConfig('').training as object), loss: { path: 'my_loss.py:MyLoss' } } }));
    const job = join(dir.path, 'job-code');
    const result = airlock(home, ['cluster', 'export', withCode, '--nodes', '1', '--gpus-per-node', '1', '--to', job, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(readFileSync(join(job, 'config.yaml'), 'utf8')).training.loss.path).toBe('extensions/my_loss.py:MyLoss');
    expect(new Map(manifest(job).map(([hash, path]) => [path, hash])).get('extensions/my_loss.py')).toBe(sha256('class MyLoss:\n    pass\n'));
  });

  it('refuses a target folder that holds anything, and leaves it as it was', () => {
    const job = join(dir.path, 'taken');
    mkdirSync(job);
    writeFileSync(join(job, 'notes.txt'), 'mine');
    const result = airlock(home, ['cluster', 'export', config, '--nodes', '1', '--gpus-per-node', '1', '--to', job, '--json']);
    expect(result.code).toBe(1);
    expect(result.json.error.code).toBe('EXPORT_TARGET_EXISTS');
    expect(readdirSync(job)).toEqual(['notes.txt']);
    expect(existsSync(`${job}.partial`)).toBe(false);
  });

  it('refuses a bad --nodes or --gpus-per-node before writing anything', () => {
    const job = join(dir.path, 'never');
    for (const [option, value] of [['--nodes', '0'], ['--nodes', 'two'], ['--nodes', '1025'], ['--gpus-per-node', '65']]) {
      const args = ['cluster', 'export', config, '--nodes', '1', '--gpus-per-node', '1', '--to', job, '--json'];
      args[args.indexOf(option) + 1] = value;
      const result = airlock(home, args);
      expect(result.code, `${option} ${value}`).toBe(2);
      expect(result.json.error.code).toBe('INVALID_INPUT');
      expect(result.json.error.message).toMatch(option === '--nodes' ? /nodes/ : /gpusPerNode|gpus-per-node/);
    }
    expect(existsSync(job)).toBe(false);
  });

  describe('launch_torchrun.sh checks the node before torchrun starts', () => {
    let job: string;
    beforeAll(() => {
      job = join(dir.path, 'job-launch');
      expect(airlock(home, ['cluster', 'export', config, '--nodes', '2', '--gpus-per-node', '1', '--to', job]).code).toBe(0);
    });

    it('names the variables that are missing, before it writes anything', () => {
      const result = launch(job, { NNODES: '2', NODE_RANK: '0' });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('MASTER_ADDR MASTER_PORT not set');
      expect(existsSync(join(job, 'out'))).toBe(false);
    });

    it('refuses an NNODES, NODE_RANK or MASTER_PORT this job was not exported for, at once, before it writes anything', () => {
      for (const [nnodes, rank] of [['1', '0'], ['3', '0'], ['2', '5'], ['2', 'one']]) {
        const result = launch(job, { NNODES: nnodes, NODE_RANK: rank, MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500' });
        expect(result.status, `NNODES=${nnodes} NODE_RANK=${rank}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toContain('this job was exported for 2 nodes: set NNODES=2 and NODE_RANK 0..1');
      }
      const port = launch(job, { NNODES: '2', NODE_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: 'abc' });
      expect(port.status).toBe(2);
      expect(port.stderr).toContain("MASTER_PORT must be a TCP port number (1-65535), not 'abc'");
      expect(port.stderr).not.toContain('usage:');
      expect(existsSync(join(job, 'out'))).toBe(false);
    });

    it('a node that cannot reach the master stops with MASTER_UNREACHABLE naming it and the address', async () => {
      const port = await freePort();
      const result = launch(job, { NNODES: '2', NODE_RANK: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), AIRLOCK_CONNECT_TIMEOUT_S: '2' });
      expect(result.status).toBe(1);
      const [error] = lines(join(job, 'out', 'logs', 'node-1.stdout'));
      expect(error).toMatchObject({ type: 'error', code: 'MASTER_UNREACHABLE' });
      expect(error.message).toContain(`Node 1 could not reach the master 127.0.0.1:${port} within 2 s`);
      // The terminal says it too, in words: what the node does, then why it stopped and what to do.
      expect(result.stderr).toContain(`node 1: connecting to the master 127.0.0.1:${port} (up to 2 s)`);
      expect(result.stderr).toContain(`node 1 stopped: MASTER_UNREACHABLE: Node 1 could not reach the master 127.0.0.1:${port} within 2 s`);
      expect(result.stderr).toContain('What to do: Check MASTER_ADDR and MASTER_PORT');
      expect(lines(join(job, 'out', 'attempts.jsonl'))).toMatchObject([{ node_rank: 1, exit_code: 1, nnodes: 2, nproc_per_node: 1 }]);
    });

    it('node 0 refuses a tampered data file: the error event is in out/events.jsonl, out/ is sealed, torchrun never ran', async () => {
      writeFileSync(join(job, 'data', datasetId, 'table.jsonl'), '["tampered", "positive"]\n', { flag: 'a' });
      const port = await freePort();
      const result = launch(job, { NNODES: '2', NODE_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`node 0: waiting up to \\d+ s for node\\(s\\) 1\\.\\.1 on 127\\.0\\.0\\.1:${port}`));
      expect(result.stderr).toContain(`node 0 stopped: JOB_FILE_CHANGED: data/${datasetId}/table.jsonl differs`);
      expect(result.stderr).toContain('What to do: Copy the job folder again');
      const out = join(job, 'out');
      const events = lines(join(out, 'events.jsonl'));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'error', code: 'JOB_FILE_CHANGED', field: `data/${datasetId}/table.jsonl`, run_id: JSON.parse(readFileSync(join(job, 'job.json'), 'utf8')).run_id });
      expect(readFileSync(join(out, 'config.yaml'))).toEqual(readFileSync(join(job, 'config.yaml')));
      expect(existsSync(join(out, 'checkpoints'))).toBe(false);
      expect(lines(join(out, 'attempts.jsonl')).map((attempt) => [attempt.node_rank, attempt.exit_code])).toEqual([[1, 1], [0, 1]]);
      const sealed = spawnSync('sha256sum', ['--strict', '-c', 'MANIFEST.sha256'], { cwd: out, encoding: 'utf8' });
      expect(sealed.status, sealed.stdout + sealed.stderr).toBe(0);
    });

    it('node 0 failing its check waits for the other nodes\' attempt lines in a shared out/ before it seals', async () => {
      const shared = join(dir.path, 'job-shared-out');
      expect(airlock(home, ['cluster', 'export', config, '--nodes', '2', '--gpus-per-node', '1', '--to', shared]).code).toBe(0);
      const port = await freePort();
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, AIRLOCK_PYTHON: join(process.cwd(), '.venv', 'bin', 'python'), NNODES: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
      // Node 1 tries to reach the master for 4 s; node 0 starts while it does and fails its check at once (an address
      // that is not its own), without touching the files node 1 reads.
      const node1 = spawn('bash', [join(shared, 'launch_torchrun.sh')], { env: { ...env, NODE_RANK: '1', AIRLOCK_CONNECT_TIMEOUT_S: '4' }, stdio: 'ignore' });
      const node1Ended = new Promise<number | null>((resolve) => node1.on('close', resolve));
      for (let tries = 0; tries < 200 && !existsSync(join(shared, 'out', 'logs', 'node-1.log')); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(existsSync(join(shared, 'out', 'logs', 'node-1.log'))).toBe(true);
      const node0 = launch(shared, { NNODES: '2', NODE_RANK: '0', MASTER_ADDR: '10.255.255.1', MASTER_PORT: String(port) });
      expect(node0.status).toBe(1);
      expect(node0.stderr).toContain('node 0 stopped: MASTER_ADDRESS_INVALID');
      expect(await node1Ended).toBe(1);
      const out = join(shared, 'out');
      expect(lines(join(out, 'attempts.jsonl')).map((attempt) => [attempt.node_rank, attempt.exit_code]).sort()).toEqual([[0, 1], [1, 1]]);
      expect(lines(join(shared, 'out', 'logs', 'node-1.stdout'))).toMatchObject([{ type: 'error', code: 'MASTER_UNREACHABLE' }]);
      const sealed = spawnSync('sha256sum', ['--strict', '-c', 'MANIFEST.sha256'], { cwd: out, encoding: 'utf8' });
      expect(sealed.status, sealed.stdout + sealed.stderr).toBe(0);
    });
  });
});
