import { runDataCounts, runWorld, type RunWorld } from '../../../schemas/run.ts';
import { formatDate, formatDuration } from '../lib/format.ts';
import { RUN_PHASES, phaseLabel } from '../lib/run-progress.ts';
import { estimate, type LiveRun } from '../store/live-run.ts';

/** What the run is doing now, in words: the trainer's message (naming the user's files), or the step and epoch. */
function activity(live: LiveRun): string {
  const { stage, lastStep, started, progress, run } = live;
  if (stage) return stage.message;
  if (lastStep) {
    const epochs = run?.config?.training?.max_epochs;
    // the step that ends the last epoch is reported with the next epoch's number: never show "epoch 4 of 3"
    const epoch = epochs ? Math.min(lastStep.epoch + 1, epochs) : lastStep.epoch + 1;
    return `Step ${lastStep.step} of ${lastStep.total_steps}, epoch ${epoch}${epochs ? ` of ${epochs}` : ''}`;
  }
  if (started) return 'Training is starting';
  return progress ? phaseLabel(progress.phase) : 'Starting the trainer…';
}

/** The time left, only while training steps run and only when it is a second or more: scoring and saving have no estimate. */
function timeLeft(live: LiveRun): string | null {
  if (live.progress?.phase !== 'training' || live.stage) return null;
  const eta = estimate(live);
  if (!eta || eta.secondsLeft < 1) return null;
  return ` — about ${formatDuration(eta.secondsLeft)} left (${eta.stepsPerSecond.toFixed(2)} steps/s)`;
}

/** How the work was split, when it was split at all: "world 8 (2 nodes × 4 processes), ddp; effective batch size 256". */
function describeWorld(world: Partial<RunWorld>): string | null {
  if (!world.world_size) return null;
  const nodes = world.num_nodes ?? 1;
  const perNode = world.world_size / nodes;
  const split = world.world_size === 1 ? 'one process' : `world ${world.world_size} (${nodes} node${nodes === 1 ? '' : 's'} × ${perNode} process${perNode === 1 ? '' : 'es'})`;
  const strategy = world.world_size > 1 && world.strategy ? `strategy ${world.strategy}` : null;
  return [split, strategy, world.effective_batch_size ? `effective batch size ${world.effective_batch_size}` : null].filter(Boolean).join(' · ');
}

/** Progress of a run: one bar that only moves forward through the stages, then the facts of the run. */
export function RunProgressPanel({ live }: { live: LiveRun }) {
  const { started, run, progress } = live;
  const running = run?.status === 'running' || run?.status === 'queued';
  const counts = started ?? (run ? runDataCounts(run) : null);
  const world = describeWorld(started ?? (run ? runWorld(run) ?? {} : {}));
  const current = progress ? RUN_PHASES.findIndex((phase) => phase.id === progress.phase) : -1;
  return (
    <section className="card" aria-labelledby="progress">
      <h2 id="progress">Progress</h2>
      {running && (
        <>
          <ol className="steps small" aria-label="Stages">
            {RUN_PHASES.map((phase, index) => (
              <li key={phase.id} aria-current={index === current ? 'step' : undefined} className={index < current ? 'done' : undefined}>
                {phase.label}
              </li>
            ))}
          </ol>
          <div className="small" role="status" aria-label="Activity">
            {activity(live)}
            {progress && ` — ${Math.floor(progress.overall * 100)}%`}
            {timeLeft(live)}
          </div>
          <progress aria-label="Training progress" max={1} value={progress?.overall ?? undefined} />
        </>
      )}
      <dl className="kv">
        <dt>Device</dt>
        <dd>{started?.device_name ?? run?.device ?? '—'}</dd>
        <dt>Precision</dt>
        <dd>{started?.precision ?? run?.precision ?? '—'}</dd>
        {world && (
          <>
            <dt>Processes</dt>
            <dd aria-label="Processes">{world}</dd>
          </>
        )}
        {counts && (
          <>
            <dt>Data</dt>
            <dd aria-label="Data counts">
              {counts.train_rows} training, {counts.val_rows} validation{counts.test_rows ? `, ${counts.test_rows} test` : ''} rows; {counts.total_steps} steps
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{formatDate(run?.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run?.durationS)}</dd>
        <dt>Attempts</dt>
        <dd>{run?.attempts ?? '—'}</dd>
      </dl>
    </section>
  );
}
