import { clusterDetails, runWorld, type Run } from '../../../schemas/run.ts';
import type { RunConfig } from '../../../schemas/config.ts';
import type { Notice } from '../../../schemas/api.ts';
import { dirname } from 'node:path';
import { loadConfigFile } from '../../services/config/yaml.ts';
import { codePathsFrom } from '../../services/runs/extensions.ts';
import { TrainingProgress, oneLine } from '../progress.ts';
import { table } from '../output.ts';
import { userPath, userPathOrId } from '../paths.ts';
import { call, positional, type Command, type CommandContext } from './types.ts';
import { importRunCommand, ranOn } from './runs-import.ts';

/** A config's data files and model folder named by relative paths, taken from the user's folder as on the command line (ids stay ids). */
export function pathsFromUser(config: RunConfig): RunConfig {
  const { train_path, val_path, test_path } = config.data;
  const path = (value: string | null) => (value === null ? null : userPathOrId(value));
  return {
    ...config,
    model: { ...config.model, name: userPathOrId(config.model.name) },
    data: { ...config.data, train_path: userPathOrId(train_path), val_path: path(val_path), test_path: path(test_path) },
  };
}

/** The run fields printed by train, resume and runs show. */
export function runSummary(run: Run) {
  return {
    id: run.id,
    status: run.status,
    metrics: run.metrics,
    device: run.device,
    precision: run.precision,
    durationS: run.durationS,
    runDir: run.runDir,
    modelDir: run.modelDir,
    error: run.error,
    ...(typeof run.details.resumed_here === 'string' ? { resumedHere: run.details.resumed_here } : {}),
  };
}

function describeRun(run: Run): string {
  const metrics = Object.keys(run.metrics)
    .filter((key) => /^(val|test)\//.test(key))
    .sort()
    .map((key) => `${key} ${run.metrics[key].toFixed(4)}`);
  const lines = [
    `Run ${run.id}: ${run.status}${run.durationS !== null ? ` in ${run.durationS.toFixed(1)} s` : ''}${run.device ? ` on ${run.device}` : ''}`,
  ];
  if (metrics.length) lines.push(`  ${metrics.join('  ')}`);
  const cluster = clusterDetails(run);
  if (cluster) lines.push(`  Trained on a cluster: ${cluster.nodes} × ${cluster.gpus_per_node} devices, ${cluster.attempts.length} attempt(s); imported from ${cluster.imported_from}`);
  const world = runWorld(run);
  if (world && world.world_size > 1) {
    const nodes = world.num_nodes ?? 1;
    lines.push(`  ${world.world_size} processes (${nodes} node${nodes === 1 ? '' : 's'}), strategy ${world.strategy ?? 'ddp'}, effective batch size ${world.effective_batch_size ?? '?'}`);
  }
  const resumedHere = (run.details as { resumed_here?: unknown }).resumed_here;
  if (typeof resumedHere === 'string') lines.push(`  ${resumedHere}`);
  const samples = (run.details as { generations?: { prompt: string; reference: string; output: string }[] }).generations;
  if (Array.isArray(samples) && samples.length > 0) {
    lines.push('  Sample answers (validation prompts):');
    for (const sample of samples) lines.push(`    ${oneLine(sample.prompt, 60)}  →  ${oneLine(sample.output, 60)}   (reference: ${oneLine(sample.reference, 40)})`);
  }
  if (run.modelDir) lines.push(`  Model: ${run.modelDir}`);
  lines.push(`  Run folder: ${run.runDir}`);
  if (run.error) {
    lines.push(`  Error [${run.error.code}]: ${run.error.message}`);
    if (run.error.hint) lines.push(`  Hint: ${run.error.hint}`);
  }
  if (run.status === 'cancelled' || run.status === 'interrupted') lines.push(`  Continue it with: airlock resume ${run.id}`);
  return lines.join('\n');
}

/** Starts (or resumes) a run and follows it in the foreground: progress on stderr, Ctrl-C cancels cleanly. */
export async function followRun(context: CommandContext, start: () => Promise<{ runId: string }>): Promise<number> {
  const progress = new TrainingProgress();
  const notices: Notice[] = [];
  let runId: string | undefined;
  let settle: (run: Run) => void = () => {};
  const finished = new Promise<Run>((resolve) => (settle = resolve));
  const deliver = (notice: Notice) => {
    if (notice.kind === 'event' && notice.runId === runId) progress.onEvent(notice.event);
    if (notice.kind === 'finished' && notice.runId === runId) settle(notice.run);
  };
  // Subscribe before starting so no early event is missed; hold notices until the run id is known.
  const unsubscribe = context.api.subscribe((notice) => (runId ? deliver(notice) : notices.push(notice)));
  let cancelling = false;
  const onInterrupt = () => {
    // Ctrl-C reaches every process of the group, and a wrapper (npm, tsx) may pass it on again: say it once.
    if (cancelling) return;
    cancelling = true;
    context.output.info('\nCancelling: saving a checkpoint…');
    if (runId) void context.api.call('runs.cancel', { runId });
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    runId = (await start()).runId;
    context.output.info(`Run ${runId}: ${context.services.paths.runs}/${runId}`);
    notices.splice(0).forEach(deliver);
    const run = await finished;
    context.output.result({ run: runSummary(run) }, () => describeRun(run));
    return run.status === 'completed' ? 0 : run.status === 'cancelled' ? 130 : 1;
  } finally {
    unsubscribe();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

export const trainCommand: Command = {
  usage: 'train <config.yaml> [--json]',
  summary: 'Train in the foreground with a progress bar; Ctrl-C cancels and keeps a checkpoint.',
  async run(context) {
    const file = userPath(positional(context, 0, 'the config file', this.usage));
    // Data and model paths are taken from the user's folder (as on the command line); code from the config's folder.
    const config = codePathsFrom(pathsFromUser(loadConfigFile(file)), dirname(file));
    return followRun(context, () => call(context, 'runs.start', { config }));
  },
};

export const resumeCommand: Command = {
  usage: 'resume <run-id> [--json]',
  summary: 'Continue a cancelled, failed or interrupted run from its last checkpoint.',
  async run(context) {
    const runId = positional(context, 0, 'the run id', this.usage);
    return followRun(context, () => call(context, 'runs.resume', { runId }));
  },
};

export const runsCommand: Command = {
  usage: 'runs [show <id> | import <out-folder>] [--json]',
  summary: 'List the run history, show one run, or import a cluster run\'s out/ folder.',
  async run(context) {
    if (context.positionals[0] === 'import') return importRunCommand(context, this.usage);
    if (context.positionals[0] === 'show') {
      const { run, curves } = await call(context, 'runs.get', { runId: positional(context, 1, 'the run id', this.usage) });
      context.output.result({ run: { ...run, curves } }, () => describeRun(run) + (run.stderrTail && run.status === 'failed' ? `\n  Log tail:\n${run.stderrTail.trim().split('\n').slice(-10).map((line) => '    ' + line).join('\n')}` : ''));
      return;
    }
    const { runs: all } = await call(context, 'runs.list', {});
    context.output.result({ runs: all.map((run) => ({ ...runSummary(run), ranOn: ranOn(run) })) }, () =>
      all.length === 0
        ? 'No runs yet. Write a config with `airlock config <dataset>` and start it with `airlock train <config.yaml>`.'
        : table(
            ['ID', 'STATUS', 'EXPERIMENT', 'MODEL', 'RAN ON', 'VAL ACC', 'VAL F1', 'VAL LOSS', 'DURATION'],
            all.map((run) => [
              run.id,
              run.status,
              run.experiment,
              run.modelId,
              ranOn(run),
              run.metrics['val/accuracy']?.toFixed(4) ?? '-',
              run.metrics['val/f1_macro']?.toFixed(4) ?? '-',
              // what a causal LM's run is judged by (its accuracy and F1 columns stay empty)
              run.metrics['val/loss']?.toFixed(4) ?? '-',
              run.durationS !== null ? `${run.durationS.toFixed(0)} s` : '-',
            ]),
          ),
    );
  },
};
