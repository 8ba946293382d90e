import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import { clusterDetails, type ClusterRunDetails, type Run } from '../../../schemas/run.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { HomePaths } from '../home.ts';
import type { RunTable } from '../store/runs.ts';
import { configToYaml, loadConfigFile } from '../config/yaml.ts';
import { stagingPath } from '../util/files.ts';
import { fileNameRewriter, withFileNames } from './file-names.ts';
import { AttemptRecorder, outcomeOfTerminal } from './recorder.ts';
import { MANIFEST, copyVerified, readEventAttempts, readJobFile, readManifest, readNodeAttempts } from './out-folder.ts';
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

export const RESUME_CONFIG = 'config.resume.yaml';

/**
 * Whether a run `runId` may be (re)imported from `out`: no such run yet → 'new'; an imported run whose out/ was sealed
 * differently (the job ran again on the cluster) and that was not trained here since → 'replace'; the same out/ whose
 * resume here was refused (its dataset or model was missing) → 'retry' (replaced if this workstation can now resume
 * it); else refused.
 */
function importMode(runId: string, out: string, deps: ImportDeps): 'new' | 'replace' | 'retry' {
  const existing = deps.runs.get(runId);
  const runDir = join(deps.paths.runs, runId);
  if (!existing && !existsSync(runDir)) return 'new';
  const seeIt = { hint: `See it with \`airlock runs show ${runId}\`.` };
  const cluster = existing ? clusterDetails(existing) : null;
  if (!existing || !cluster) throw new AirlockError('RUN_ALREADY_IMPORTED', `Run ${runId} is already in the history and was not imported from a cluster.`, seeIt);
  const sealed = (folder: string) => (existsSync(join(folder, MANIFEST)) ? readFileSync(join(folder, MANIFEST), 'utf8') : null);
  const same = sealed(runDir) === sealed(out);
  if (same && !cluster.resume_refused) throw new AirlockError('RUN_ALREADY_IMPORTED', `Run ${runId} is already in the history, imported from this same out/ folder.`, seeIt);
  if (existing.status === 'running' || existing.attempts > cluster.attempts.length) {
    throw new AirlockError('RUN_ALREADY_IMPORTED', `Run ${runId} was imported before and has since been ${existing.status === 'running' ? 'resumed here and is running' : 'resumed on this workstation'}; importing the cluster's newer out/ would throw that training away.`, {
      hint: 'Keep the run trained here, or export a new cluster job for the newer one.',
    });
  }
  return same ? 'retry' : 'replace';
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
  if (claimed) importMode(claimed, out, deps); // before copying what may be gigabytes; checked again on the verified copy
  const staged = stagingPath(deps.paths.staging, 'import');
  try {
    copyVerified(out, entries, staged);
    const job = readJobFile(staged);
    const mode = importMode(job.run_id, out, deps);
    const clusterConfig = loadConfigFile(join(staged, 'config.yaml'));
    const { attempts: eventAttempts, ignoredLines } = readEventAttempts(staged);
    const attempts = pairAttempts(eventAttempts, readNodeAttempts(staged));
    const dataset = job.dataset ? deps.datasets().find((stored) => stored.id === job.dataset!.id) : undefined;
    const model = deps.models().find((cached) => cached.id === job.model.id);
    const local = localConfigFor(clusterConfig, job, dataset, model);
    if (mode === 'retry' && local.refused) {
      throw new AirlockError('RUN_ALREADY_IMPORTED', `Run ${job.run_id} is already in the history, imported from this same out/ folder, and still cannot be resumed here. ${local.refused}`, {
        hint: `See it with \`airlock runs show ${job.run_id}\`.`,
      });
    }
    // config.yaml stays what the cluster trained; a resume here trains this workstation's paths, kept apart.
    if (local.config) writeFileSync(join(staged, RESUME_CONFIG), configToYaml(local.config));

    const runDir = join(deps.paths.runs, job.run_id);
    const toLocal = runPathRewriter(staged, runDir);
    // The trainer's messages name the job's copy of the data (data/table.jsonl): show the dataset's name instead.
    const names = fileNameRewriter(dataset ? { [clusterConfig.data.train_path]: dataset.name } : {});
    const prepare = (event: TrainerEvent) => withLocalPaths(withFileNames(event, names), toLocal);
    const started = eventAttempts.flat().find((event): event is StartedEvent => event.type === 'started' && event.world_size !== undefined);
    const worldSize = started?.world_size ?? job.nodes * job.gpus_per_node;
    const runs = deps.runs;
    const id = job.run_id;

    // The earlier import's folder is set aside, and put back if this import fails.
    const replaced = mode !== 'new' && existsSync(runDir) ? `${staged}.replaced` : null;
    runs.atomically(() => {
      const row = { id, experiment: clusterConfig.experiment.name, datasetId: dataset?.id ?? null, modelId: model?.id ?? job.model.name, config: clusterConfig, runDir, createdAt: job.created_at };
      if (mode !== 'new') runs.resetImported(row);
      else runs.create(row);
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
      const jobDataset = job.dataset && !dataset ? { job_dataset: job.dataset } : {};
      runs.mergeDetails(id, { cluster, ...jobDataset, ...(ignoredLines ? { ignored_event_lines: ignoredLines } : {}) });
      // Inside the transaction: if the folder cannot be put in place, no row is left either.
      if (replaced) renameSync(runDir, replaced);
      try {
        renameSync(staged, runDir);
      } catch (error) {
        if (replaced) renameSync(replaced, runDir);
        throw error;
      }
    });
    if (replaced) rmSync(replaced, { recursive: true, force: true });
    return runs.get(id)!;
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}
