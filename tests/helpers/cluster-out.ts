import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';

/**
 * A cluster job folder as issue 12's contract lays it out (data/, model/, config.yaml, job.json), and the out/ folder
 * its node 0 launcher leaves behind, made here by running the real trainer as the launcher would (one node, one
 * process): events.jsonl is its stdout, attempts.jsonl one line per attempt, MANIFEST.sha256 from `sha256sum`.
 */
export interface JobFolder {
  folder: string;
  out: string;
  runId: string;
}

/** Writes a job folder for a stored dataset (its canonical table) and a cached model, with `config` naming them relatively. */
export function writeJobFolder(
  folder: string,
  runId: string,
  source: { dataset: { id: string; name: string; dataPath: string; sha256?: string }; model: { id: string; name: string; path: string } },
  config: Record<string, unknown>,
): JobFolder {
  mkdirSync(join(folder, 'data'), { recursive: true });
  // The dataset's canonical table: the rows and the schema beside them (the trainer reads only such tables).
  const table = basename(source.dataset.dataPath);
  for (const name of [table, 'table.schema.json']) copyFileSync(join(dirname(source.dataset.dataPath), name), join(folder, 'data', name));
  cpSync(source.model.path, join(folder, 'model'), { recursive: true, dereference: true });
  const resolved = { ...config, model: { ...(config.model as object), name: 'model' }, data: { ...(config.data as object), train_path: `data/${table}` } };
  writeFileSync(join(folder, 'config.yaml'), stringify(resolved));
  writeJobFile(folder, runId, source);
  return { folder, out: join(folder, 'out'), runId };
}

/** job.json, as `airlock cluster export` writes it for one node with one device. */
export function writeJobFile(folder: string, runId: string, source: { dataset: { id: string; name: string; sha256?: string }; model: { id: string; name: string } }): void {
  const job = {
    format: 'airlock-cluster-job',
    version: 1,
    run_id: runId,
    created_at: new Date().toISOString(),
    nodes: 1,
    gpus_per_node: 1,
    config_sha256: '0'.repeat(64),
    dataset: { id: source.dataset.id, name: source.dataset.name, ...(source.dataset.sha256 ? { sha256: source.dataset.sha256 } : {}) },
    model: { id: source.model.id, name: source.model.name },
    shared_path: null,
    trainer: { python: '3.11' },
  };
  writeFileSync(join(folder, 'job.json'), JSON.stringify(job, null, 2));
}

function trainArgs(job: JobFolder, resume: boolean): string[] {
  const args = ['-m', 'airlock_trainer', 'train', '--config', join(job.folder, 'config.yaml'), '--run-dir', job.out, '--run-id', job.runId];
  return resume ? [...args, '--resume'] : args;
}

function trainerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AIRLOCK_') && !key.startsWith('HF_')));
  return { ...env, PYTHONPATH: 'trainer', OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '1' };
}

/** What the launcher does at the start of an attempt: out/ with copies of config.yaml and job.json. */
function startAttempt(job: JobFolder): string {
  mkdirSync(join(job.out, 'logs'), { recursive: true });
  copyFileSync(join(job.folder, 'config.yaml'), join(job.out, 'config.yaml'));
  copyFileSync(join(job.folder, 'job.json'), join(job.out, 'job.json'));
  return new Date().toISOString();
}

function endAttempt(job: JobFolder, startedAt: string, exitCode: number | null, stdout: string, stderr: string): void {
  appendFileSync(join(job.out, 'events.jsonl'), stdout);
  appendFileSync(join(job.out, 'logs', 'node-0.log'), stderr);
  const line = { node_rank: 0, host: hostname(), started_at: startedAt, ended_at: new Date().toISOString(), exit_code: exitCode, nnodes: 1, nproc_per_node: 1 };
  appendFileSync(join(job.out, 'attempts.jsonl'), JSON.stringify(line) + '\n');
}

/** One attempt of the real trainer run to its end; returns its exit code. */
export function trainAttempt(job: JobFolder, options: { resume?: boolean } = {}): number | null {
  const startedAt = startAttempt(job);
  const result = spawnSync('.venv/bin/python', trainArgs(job, options.resume ?? false), { env: trainerEnv(), encoding: 'utf8', timeout: 300_000 });
  endAttempt(job, startedAt, result.status, result.stdout, result.stderr);
  return result.status;
}

/** One attempt stopped as SLURM's pre-emption signal or a cancel would: SIGINT once the first training step is reported. */
export function cancelledAttempt(job: JobFolder): Promise<number | null> {
  const startedAt = startAttempt(job);
  const child = spawn('.venv/bin/python', trainArgs(job, false), { env: trainerEnv() });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!signalled && /"type":\s*"step"/.test(stdout)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      endAttempt(job, startedAt, code, stdout, stderr);
      resolve(code);
    }),
  );
}

/** What node 0's launcher does last: MANIFEST.sha256 over every file of out/ but itself, with `sha256sum`. */
export function seal(out: string): void {
  const result = spawnSync('sh', ['-c', "find . -type f ! -path ./MANIFEST.sha256 -printf '%P\\0' | sort -z | xargs -0 sha256sum > MANIFEST.sha256"], { cwd: out, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sha256sum failed: ${result.stderr}`);
}

/** The end of out/'s event stream and node 0's log, for a failure message. */
export function attemptLog(job: JobFolder): string {
  const tail = (name: string) => (existsSync(join(job.out, name)) ? readFileSync(join(job.out, name), 'utf8').slice(-2000) : '');
  return `${tail('events.jsonl')}\n${tail(join('logs', 'node-0.log'))}`;
}
