import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import type { ClusterRunDetails, Run } from '../../../schemas/run.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { HomePaths } from '../home.ts';
import type { RunTable } from '../store/runs.ts';
import { configToYaml, loadConfigFile } from '../config/yaml.ts';
import { stagingPath } from '../util/files.ts';
import { fileNameRewriter, withFileNames } from './file-names.ts';
import { AttemptRecorder, outcomeOfTerminal } from './recorder.ts';
import { copyVerified, readEventAttempts, readJobFile, readManifest, readNodeAttempts } from './out-folder.ts';
import { attemptRecord, crashOutcome, pairAttempts } from './cluster-attempts.ts';
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
    // The trainer's messages name the job's copy of the data (data/table.jsonl): show the dataset's name instead.
    const names = fileNameRewriter(dataset ? { [clusterConfig.data.train_path]: dataset.name } : {});
    const prepare = (event: TrainerEvent) => withLocalPaths(withFileNames(event, names), toLocal);
    const started = eventAttempts.flat().find((event): event is StartedEvent => event.type === 'started' && event.world_size !== undefined);
    const worldSize = started?.world_size ?? job.nodes * job.gpus_per_node;
    const runs = deps.runs;
    const id = job.run_id;

    runs.atomically(() => {
      runs.create({ id, experiment: clusterConfig.experiment.name, datasetId: dataset?.id ?? null, modelId: model?.id ?? job.model.name, config: local.config ?? clusterConfig, runDir, createdAt: job.created_at });
      const tail = tailOf(join(staged, 'logs', 'node-0.log'));
      const records = attempts.map((attempt) => {
        // As the supervisor records a trainer process: start, every event, then the outcome of its last one.
        const firstEvent = attempt.events[0]?.ts;
        const number = runs.markStarted(id, -1, attempt.nodes[0]?.started_at ?? firstEvent ?? job.created_at);
        const recorder = new AttemptRecorder(runs, id, number, prepare);
        const last = attempt.events.map((event) => recorder.record(event)).at(-1) ?? null;
        recorder.flush();
        const outcome = outcomeOfTerminal(last, tail) ?? crashOutcome(attempt, number, tail);
        const record = attemptRecord(attempt, number, outcome);
        runs.finish(id, { ...outcome, durationS: record.duration_s }, record.ended_at ?? new Date().toISOString()); // the run's duration: the sum of its attempts'
        return record;
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
