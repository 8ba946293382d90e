import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../../../schemas/errors.ts';
import { TrainerEvent } from '../../../schemas/events.ts';

/**
 * The out/ folder a cluster job brings back (issue 12's contract): rank 0's events.jsonl, copies of the job's
 * config.yaml and job.json, the model and checkpoints, attempts.jsonl from the launchers, and MANIFEST.sha256
 * over all of it. This module reads those files; it writes only the verified copy.
 */

export const MANIFEST = 'MANIFEST.sha256';
const REQUIRED = ['events.jsonl', 'config.yaml', 'job.json'];

function invalid(message: string, hint?: string): AirlockError {
  return new AirlockError('RUN_IMPORT_INVALID', message, { hint: hint ?? 'Import the out/ folder of a job written by `airlock cluster export`, as the cluster left it.' });
}

/** What a folder that is not an out/ folder is, by the files that mark it, or null when it may be one. */
function whatElse(folder: string): { message: string; hint: string } | null {
  const has = (name: string) => existsSync(join(folder, name));
  if (has('launch_torchrun.sh') || has('job.sbatch') || (has('job.json') && has('out') && !has('events.jsonl'))) {
    return { message: `${folder} is a cluster job folder, not its out/ folder.`, hint: `Import the folder the run wrote inside it: airlock runs import ${join(folder, 'out')}` };
  }
  if (has('manifest.json') && !has('events.jsonl')) {
    return { message: `${folder} is an exported model bundle, not a cluster job's out/ folder.`, hint: 'Check it with `airlock verify`; `airlock runs import` takes the out/ folder of a job written by `airlock cluster export`.' };
  }
  if (has('events.jsonl') && has('config.yaml') && !has('job.json') && !has(MANIFEST)) {
    return { message: `${folder} is a run folder of an Airlock home, not a cluster job's out/ folder.`, hint: 'Its run is already in that home\'s history; `airlock runs import` takes the out/ folder of a job written by `airlock cluster export`.' };
  }
  return null;
}

/** The manifest's entries, path (relative to out/, with forward slashes) → SHA-256. */
export function readManifest(out: string): Map<string, string> {
  if (!existsSync(out) || !statSync(out).isDirectory()) throw invalid(`${out} is not a folder.`);
  const notOut = whatElse(out);
  if (notOut) throw invalid(notOut.message, notOut.hint);
  const file = join(out, MANIFEST);
  if (!existsSync(file)) {
    throw invalid(`${out} has no ${MANIFEST}, so its files cannot be checked.`, 'Node 0\'s launcher writes it when the run ends (python -m airlock_trainer cluster-seal --out <out>); run that on the cluster if the job was stopped before it could.');
  }
  const entries = new Map<string, string>();
  readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    const path = match?.[2];
    if (!match || !path || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').some((part) => part === '..' || part === '')) {
      throw invalid(`${MANIFEST} line ${index + 1} is not "<sha256>  <path inside out/>": ${line.slice(0, 200)}`);
    }
    entries.set(posix.normalize(path), match[1].toLowerCase());
  });
  for (const name of REQUIRED) {
    if (!entries.has(name)) throw invalid(`${out} has no ${name} (${MANIFEST} does not list it).`);
  }
  return entries;
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Copies every file the manifest lists into `target`, checking each copy's SHA-256; files it does not list stay behind. */
export function copyVerified(out: string, entries: Map<string, string>, target: string): void {
  for (const [path, expected] of entries) {
    const source = join(out, path);
    if (!existsSync(source) || !statSync(source).isFile()) {
      throw new AirlockError('RUN_IMPORT_CHANGED', `${path} is listed in ${MANIFEST} but missing from ${out}.`, {
        hint: 'Copy the whole out/ folder from the cluster again.',
      });
    }
    const copy = join(target, path);
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(source, copy);
    if (sha256Of(copy) !== expected) {
      throw new AirlockError('RUN_IMPORT_CHANGED', `${path} in ${out} is not the file the cluster sealed: its SHA-256 differs from ${MANIFEST}.`, {
        hint: 'It was changed or damaged after the run: copy the out/ folder from the cluster again.',
      });
    }
  }
  copyFileSync(join(out, MANIFEST), join(target, MANIFEST));
}

/** job.json: what `airlock cluster export` wrote (the fields the import reads). */
export const JobFile = z.object({
  format: z.literal('airlock-cluster-job'),
  version: z.literal(1),
  run_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'letters, digits, dots, dashes and underscores'),
  created_at: z.string(),
  nodes: z.number().int().min(1),
  gpus_per_node: z.number().int().min(1),
  dataset: z.object({ id: z.string(), name: z.string(), sha256: z.string().optional() }).nullable(),
  model: z.object({ id: z.string(), name: z.string() }),
});
export type JobFile = z.infer<typeof JobFile>;

/** Reads a JSON file of the copy, refusing what is not JSON. */
function readJson(folder: string, name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(folder, name), 'utf8'));
  } catch (error) {
    throw invalid(`${name} is not JSON: ${(error as Error).message}`);
  }
}

export function readJobFile(folder: string): JobFile {
  const parsed = JobFile.safeParse(readJson(folder, 'job.json'));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'job.json'}: ${issue.message}`);
  throw invalid(`job.json is not an Airlock cluster job: ${problems.join('; ')}`);
}

/** One line of attempts.jsonl: one node's launcher, one attempt. */
export const NodeAttempt = z.object({
  node_rank: z.number().int().min(0),
  host: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  exit_code: z.number().int().nullable(),
  nnodes: z.number().int().min(1),
  nproc_per_node: z.number().int().min(1),
});
export type NodeAttempt = z.infer<typeof NodeAttempt>;

/** Each non-empty line of a JSON Lines file with its number, parsed by `schema` (null where it is not JSON or does not match). */
function parseLines<T>(path: string, schema: z.ZodType<T>): { number: number; value: T | null }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((text, index) => ({ text, number: index + 1 }))
    .filter(({ text }) => text.trim())
    .map(({ text, number }) => {
      try {
        const parsed = schema.safeParse(JSON.parse(text));
        return { number, value: parsed.success ? parsed.data : null };
      } catch {
        return { number, value: null };
      }
    });
}

/** The launchers' attempts, each with its nodes' lines: a node's k-th line belongs to attempt k. Empty without attempts.jsonl. */
export function readNodeAttempts(folder: string): NodeAttempt[][] {
  const file = join(folder, 'attempts.jsonl');
  if (!existsSync(file)) return [];
  const attempts: NodeAttempt[][] = [];
  const seen = new Map<number, number>();
  for (const { number, value: node } of parseLines(file, NodeAttempt)) {
    if (!node) throw invalid(`attempts.jsonl line ${number} is not a launcher record {node_rank, host, started_at, ended_at, exit_code, nnodes, nproc_per_node}.`);
    const attempt = seen.get(node.node_rank) ?? 0;
    seen.set(node.node_rank, attempt + 1);
    (attempts[attempt] ??= []).push(node);
  }
  return attempts;
}

/** The trainer events of events.jsonl, one list per attempt (seq restarts at 0 when a requeue or resume starts again). */
export function readEventAttempts(folder: string): { attempts: TrainerEvent[][]; ignoredLines: number } {
  const attempts: TrainerEvent[][] = [];
  let ignoredLines = 0;
  let previous = -1;
  for (const { value: event } of parseLines(join(folder, 'events.jsonl'), TrainerEvent)) {
    // As the supervisor does with a live trainer: a line that is not an event is skipped, not fatal.
    if (!event) {
      ignoredLines++;
      continue;
    }
    if (attempts.length === 0 || event.seq <= previous) attempts.push([]);
    attempts.at(-1)!.push(event);
    previous = event.seq;
  }
  if (attempts.length === 0) throw invalid('events.jsonl holds no trainer event: the trainer never started on the cluster.', 'See logs/node-0.log in the out/ folder for why.');
  return { attempts, ignoredLines };
}
