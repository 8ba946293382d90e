import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../../../schemas/errors.ts';
import type { RunConfig } from '../../../schemas/config.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import { clusterDetails, type Run } from '../../../schemas/run.ts';
import type { HomePaths } from '../home.ts';
import type { RunOutcome, RunTable } from '../store/runs.ts';
import { runTrainerProcess, type TrainerExit } from '../trainer/process.ts';
import { configToYaml } from '../config/yaml.ts';
import { AttemptRecorder, outcomeOfTerminal } from './recorder.ts';
import { fileNameRewriter, withFileNames, type FileNames } from './file-names.ts';
import { stageUserCode } from './extensions.ts';
import { clusterResumeNotice } from './cluster-resume-notice.ts';

/** A run that has been started: its id now, its final record when the trainer exits. */
export interface StartedRun {
  runId: string;
  done: Promise<Run>;
}

/** A fresh run id: sortable by time, unique. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Starts one trainer process per run, records its events and metrics, and maps its exit to a run status. */
export class RunSupervisor extends EventEmitter {
  private readonly children = new Map<string, ChildProcess>();
  private readonly cancelRequested = new Set<string>();

  constructor(
    private readonly paths: HomePaths,
    private readonly runs: RunTable,
  ) {
    super();
  }

  /**
   * Creates a run for a resolved config (absolute paths) and starts training it. `fileNames` names the data files
   * the way the user knows them, for the trainer's messages; it is kept with the run for its resumes.
   */
  start(requested: RunConfig, meta: { datasetId: string | null; modelId: string; fileNames?: FileNames }): StartedRun {
    const runId = newRunId();
    const runDir = join(this.paths.runs, runId);
    mkdirSync(runDir, { recursive: true });
    let staged: ReturnType<typeof stageUserCode>;
    try {
      staged = stageUserCode(requested, runDir); // the run's own copies of the user code it names
    } catch (error) {
      rmSync(runDir, { recursive: true, force: true });
      throw error;
    }
    const config = staged.config;
    writeFileSync(join(runDir, 'config.yaml'), configToYaml(config));
    this.runs.create({
      id: runId,
      experiment: config.experiment.name,
      datasetId: meta.datasetId,
      modelId: meta.modelId,
      config,
      runDir,
      createdAt: new Date().toISOString(),
    });
    if (meta.fileNames) this.runs.mergeDetails(runId, { file_names: meta.fileNames });
    if (staged.code.length) this.runs.mergeDetails(runId, { code: staged.code });
    return { runId, done: this.launch(runId, false) };
  }

  /** Continues a cancelled, failed or interrupted run from its last checkpoint. */
  resume(runId: string): StartedRun {
    const run = this.runs.get(runId);
    if (!run) throw new AirlockError('RUN_NOT_FOUND', `There is no run "${runId}".`, { hint: 'Run `airlock runs` to list runs.' });
    if (run.status === 'running' || run.status === 'completed') {
      throw new AirlockError('RUN_NOT_RESUMABLE', `Run ${runId} is ${run.status}; only cancelled, failed or interrupted runs can be resumed.`);
    }
    const refused = clusterDetails(run)?.resume_refused;
    if (refused) throw new AirlockError('RUN_NOT_RESUMABLE', refused);
    if (!existsSync(join(run.runDir, 'checkpoints', 'last.ckpt'))) {
      throw new AirlockError('CHECKPOINT_MISSING', `Run ${runId} has no checkpoint to resume from.`, {
        hint: 'It stopped before its first checkpoint was saved: start a new run with the same config instead.',
      });
    }
    return { runId, done: this.launch(runId, true) };
  }

  /** Asks a running trainer to stop at its next step; it saves a checkpoint and reports `cancelled`. */
  cancel(runId: string): boolean {
    const child = this.children.get(runId);
    if (!child) return false;
    this.cancelRequested.add(runId);
    child.kill('SIGINT');
    return true;
  }

  isRunning(runId: string): boolean {
    return this.children.has(runId);
  }

  /**
   * Cancels every run this process is training and waits (up to `timeoutMs`) for each trainer to save its
   * checkpoint and exit, so the runs end `cancelled` and resumable rather than `interrupted`. For quitting.
   */
  async stopAll(timeoutMs = 30_000): Promise<void> {
    const pending = new Set(this.children.keys());
    if (pending.size === 0) return;
    let onFinished: (run: Run) => void = () => {};
    const allFinished = new Promise<void>((resolve) => {
      onFinished = (run) => {
        pending.delete(run.id);
        if (pending.size === 0) resolve();
      };
    });
    this.on('finished', onFinished);
    let timer: NodeJS.Timeout | undefined;
    try {
      for (const runId of [...pending]) if (!this.cancel(runId)) pending.delete(runId);
      if (pending.size === 0) return;
      await Promise.race([allFinished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    } finally {
      clearTimeout(timer);
      this.off('finished', onFinished);
    }
  }

  private async launch(runId: string, resume: boolean): Promise<Run> {
    const run = this.runs.get(runId)!;
    // An imported cluster run keeps the cluster's config.yaml; what resumes it here is its copy with this workstation's paths.
    const resumeConfig = join(run.runDir, 'config.resume.yaml');
    const config = resume && existsSync(resumeConfig) ? resumeConfig : join(run.runDir, 'config.yaml');
    const args = ['train', '--config', config, '--run-dir', run.runDir, '--run-id', runId];
    if (resume) args.push('--resume');
    let recorder: AttemptRecorder | undefined;
    const timer = setInterval(() => recorder?.flush(), 1000);
    const eventsLog = join(run.runDir, 'events.jsonl');
    const rewrite = fileNameRewriter((run.details.file_names ?? {}) as FileNames);

    let exit: TrainerExit;
    try {
      exit = await runTrainerProcess(args, {
        home: this.paths.root,
        stderrPath: join(run.runDir, 'stderr.log'),
        onSpawn: (child) => {
          this.children.set(runId, child);
          const attempt = this.runs.markStarted(runId, child.pid ?? -1, new Date().toISOString());
          recorder = new AttemptRecorder(this.runs, runId, attempt, (event) => withFileNames(event, rewrite));
        },
        onEvent: (raw, line) => {
          appendFileSync(eventsLog, line + '\n'); // the trainer's own words, for debugging
          const event = recorder!.record(raw);
          if (resume && event.type === 'started') {
            // Said once per resumed attempt: the run keeps its cluster history but now trains in another world.
            const notice = clusterResumeNotice(run, event);
            if (notice) this.runs.mergeDetails(runId, { resumed_here: notice });
          }
          this.emit('event', runId, event);
        },
        onBadLine: (line, problem) => appendFileSync(join(run.runDir, 'stderr.log'), `[airlock] ignored trainer line (${problem}): ${line}\n`),
      });
    } catch (error) {
      exit = { exitCode: null, signal: null, lastEvent: null, stderrTail: String(error) };
    } finally {
      clearInterval(timer);
      this.children.delete(runId);
    }
    recorder?.flush();
    this.runs.finish(runId, this.outcomeOf(runId, exit, rewrite), new Date().toISOString());
    this.cancelRequested.delete(runId);
    const finished = this.runs.get(runId)!;
    this.emit('finished', finished);
    return finished;
  }

  private outcomeOf(runId: string, exit: TrainerExit, rewrite: (text: string) => string): RunOutcome {
    const last = exit.lastEvent ? withFileNames(exit.lastEvent as TrainerEvent, rewrite) : null;
    const stderrTail = exit.stderrTail.slice(-4000) || null;
    const reported = outcomeOfTerminal(last, stderrTail);
    if (reported) return reported;
    if (this.cancelRequested.has(runId)) return { status: 'cancelled', stderrTail };
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.exitCode}`;
    return {
      status: 'failed',
      stderrTail,
      error: {
        code: 'TRAINER_CRASHED',
        message: `The trainer ${how} without reporting a result.`,
        hint: exit.signal === 'SIGKILL' ? 'The machine may have run out of memory: lower batch_size or max_length.' : 'See the log tail below; resume the run to continue from its last checkpoint.',
      },
    };
  }
}
