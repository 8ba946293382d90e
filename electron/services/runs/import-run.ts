import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import type { ClusterAttempt, ClusterRunDetails, Run } from '../../../schemas/run.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { HomePaths } from '../home.ts';
import type { RunOutcome, RunTable } from '../store/runs.ts';
import { configToYaml, loadConfigFile } from '../config/yaml.ts';
import { stagingPath } from '../util/files.ts';
import { fileNameRewriter, withFileNames } from './file-names.ts';
import { AttemptRecorder, outcomeOfTerminal } from './recorder.ts';
import { copyVerified, readEventAttempts, readJobFile, readManifest, readNodeAttempts, type NodeAttempt } from './out-folder.ts';
import { localConfigFor } from './local-config.ts';
import { runPathRewriter, withLocalPaths } from './cluster-paths.ts';

type StartedEvent = Extract<TrainerEvent, { type: 'started' }>;

/** What the importer needs from the services. */
export interface ImportDeps {
  paths: HomePaths;
  runs: RunTable;
  datasets: () => Dataset[];
  models: () => CachedModel[];
}

/** One attempt as recorded: the trainer's events (none when it never started) and the launchers' lines. */
interface Attempt {
  events: TrainerEvent[];
  nodes: NodeAttempt[];
}

const earliest = (values: string[]) => (values.length ? values.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : null);
const latest = (values: string[]) => (values.length ? values.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : null);

/**
 * Pairs each run of events with the launchers' attempt it happened in (by time: an attempt stopped before the trainer
 * wrote anything has no events), keeping the order of both.
 */
function pairAttempts(eventAttempts: TrainerEvent[][], nodeAttempts: NodeAttempt[][]): Attempt[] {
  if (nodeAttempts.length <= eventAttempts.length) return eventAttempts.map((events, index) => ({ events, nodes: nodeAttempts[index] ?? [] }));
  const attempts: Attempt[] = [];
  let next = 0;
  for (const nodes of nodeAttempts) {
    const end = latest(nodes.map((node) => node.ended_at));
    const events = eventAttempts[next];
    const inside = events && end !== null && Date.parse(events[0].ts) <= Date.parse(end);
    attempts.push({ events: inside ? events : [], nodes });
    if (inside) next++;
  }
  for (const events of eventAttempts.slice(next)) attempts.push({ events, nodes: [] });
  return attempts;
}

/** The outcome of an attempt whose trainer reported no result: what the launchers saw. */
function crashOutcome(attempt: Attempt, number: number, stderrTail: string | null): RunOutcome {
  const nodes = [...attempt.nodes].sort((a, b) => a.node_rank - b.node_rank);
  const exits = nodes.length
    ? nodes.map((node) => `node ${node.node_rank} (${node.host}) exited with code ${node.exit_code ?? 'unknown'}`).join(', ')
    : 'attempts.jsonl does not say how its nodes exited';
  return {
    status: 'failed',
    stderrTail,
    error: {
      code: 'TRAINER_CRASHED',
      message: `The trainer stopped on the cluster without reporting a result (attempt ${number}): ${exits}.`,
      hint: 'See logs/node-<rank>.log in the run folder; resume the run to continue from its last checkpoint.',
    },
  };
}

function attemptRecord(attempt: Attempt, number: number, status: Run['status'], durationS: number | null): ClusterAttempt {
  const started = earliest(attempt.nodes.map((node) => node.started_at)) ?? attempt.events[0]?.ts ?? null;
  const ended = latest(attempt.nodes.map((node) => node.ended_at)) ?? attempt.events.at(-1)?.ts ?? null;
  const wall = started && ended ? Math.max(0, (Date.parse(ended) - Date.parse(started)) / 1000) : null;
  return {
    attempt: number,
    started_at: started,
    ended_at: ended,
    duration_s: wall ?? durationS,
    status,
    nodes: [...attempt.nodes].sort((a, b) => a.node_rank - b.node_rank).map(({ node_rank, host, exit_code }) => ({ node_rank, host, exit_code })),
  };
}

function tailOf(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-4000) || null : null;
}

function refuseImported(runId: string, deps: ImportDeps): void {
  if (deps.runs.get(runId) || existsSync(join(deps.paths.runs, runId))) {
    throw new AirlockError('RUN_ALREADY_IMPORTED', `Run ${runId} is already in the history.`, { hint: `See it with \`airlock runs show ${runId}\`.` });
  }
}

/**
 * Brings a cluster run's out/ folder into the history: verifies it against its manifest, copies it into
 * `<home>/runs/<id>/`, and records every attempt's events through the same recorder the supervisor uses. Either all
 * of it is stored or nothing (no row, no folder).
 */
export function importClusterRun(outFolder: string, deps: ImportDeps): Run {
  const out = resolve(outFolder);
  const entries = readManifest(out);
  const claimed = (() => {
    try {
      return readJobFile(out).run_id;
    } catch {
      return null; // the verified copy below says what is wrong with it
    }
  })();
  if (claimed) refuseImported(claimed, deps); // before copying what may be gigabytes; checked again on the verified copy
  const staged = stagingPath(deps.paths.staging, 'import');
  try {
    copyVerified(out, entries, staged);
    const job = readJobFile(staged);
    refuseImported(job.run_id, deps);
    const clusterConfig = loadConfigFile(join(staged, 'config.yaml'));
    const { attempts: eventAttempts, ignoredLines } = readEventAttempts(staged);
    const attempts = pairAttempts(eventAttempts, readNodeAttempts(staged));
    const dataset = job.dataset ? deps.datasets().find((stored) => stored.id === job.dataset!.id) : undefined;
    const model = deps.models().find((cached) => cached.id === job.model.id);
    const local = localConfigFor(clusterConfig, job, dataset, model);
    if (local.config) {
      // The run folder's config.yaml is what a resume trains: this workstation's paths. The cluster's stays beside it.
      renameSync(join(staged, 'config.yaml'), join(staged, 'config.cluster.yaml'));
      writeFileSync(join(staged, 'config.yaml'), configToYaml(local.config));
    }

    const runDir = join(deps.paths.runs, job.run_id);
    const toLocal = runPathRewriter(staged, runDir);
    const names = fileNameRewriter(dataset ? Object.fromEntries(['train_path', 'val_path', 'test_path'].flatMap((field) => {
      const path = clusterConfig.data[field as 'train_path'];
      return path ? [[path, dataset.name]] : [];
    })) : {});
    const prepare = (event: TrainerEvent) => withLocalPaths(withFileNames(event, names), toLocal);
    const started = eventAttempts.flat().find((event): event is StartedEvent => event.type === 'started' && event.world_size !== undefined);
    const worldSize = started?.world_size ?? job.nodes * job.gpus_per_node;
    const runs = deps.runs;
    const id = job.run_id;

    runs.atomically(() => {
      runs.create({ id, experiment: clusterConfig.experiment.name, datasetId: dataset?.id ?? null, modelId: model?.id ?? job.model.name, config: local.config ?? clusterConfig, runDir, createdAt: job.created_at });
      const records: ClusterAttempt[] = [];
      attempts.forEach((attempt, index) => {
        const record = attemptRecord(attempt, index + 1, 'failed', null);
        const number = runs.markStarted(id, -1, record.started_at ?? job.created_at);
        const recorder = new AttemptRecorder(runs, id, number, prepare);
        const prepared = attempt.events.map((event) => recorder.record(event));
        recorder.flush();
        const last = prepared.at(-1) ?? null;
        const tail = tailOf(join(staged, 'logs', 'node-0.log'));
        const outcome = outcomeOfTerminal(last, tail) ?? crashOutcome(attempt, number, tail);
        // Wall-clock time on the cluster when the launchers recorded it, else the trainer's own count; the run's is their sum.
        const counted = { ...record, status: outcome.status, duration_s: record.duration_s ?? outcome.durationS ?? null };
        outcome.durationS = counted.duration_s;
        records.push(counted);
        runs.finish(id, outcome, record.ended_at ?? new Date().toISOString());
      });
      const cluster: ClusterRunDetails = {
        nodes: job.nodes,
        gpus_per_node: job.gpus_per_node,
        world_size: worldSize,
        attempts: records,
        imported_from: out,
        job_created_at: job.created_at,
        resume_refused: local.refused,
      };
      runs.mergeDetails(id, ignoredLines ? { cluster, ignored_event_lines: ignoredLines } : { cluster });
      // Inside the transaction: if the folder cannot be put in place, no row is left either.
      renameSync(staged, runDir);
    });
    return runs.get(id)!;
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}
