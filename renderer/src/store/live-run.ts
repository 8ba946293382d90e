import { create } from 'zustand';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { ErrorEvent, PreflightEvent, StepEvent, TrainerEvent } from '../../../schemas/events.ts';
import { epochEventValues, type GenerationRound, type MetricPoint, type Run } from '../../../schemas/run.ts';
import type { Point } from '../lib/lttb.ts';
import { advance, type RunProgress } from '../lib/run-progress.ts';
import { call, errorShapeOf } from '../services/bridge.ts';

type StartedEvent = Extract<TrainerEvent, { type: 'started' }>;
type ProgressEvent = Extract<TrainerEvent, { type: 'progress' }>;

/** Everything the Run screen shows about one run, kept up to date by its events. */
export interface LiveRun {
  run: Run | null;
  /** Metric curves by key (train/loss, train/learning_rate, train/samples_per_s, val/f1_macro, ...). */
  series: Record<string, Point[]>;
  started: StartedEvent | null;
  /** The trainer's memory (and, on a CPU, time) estimate before the model loads. */
  preflight: PreflightEvent | null;
  /** causal_lm: what the model wrote for the fixed validation prompts, one round per epoch, oldest first. */
  generations: GenerationRound[];
  lastStep: StepEvent | null;
  /** The first step seen since the trainer (re)started, and when: the basis of the ETA. */
  pace: { step: number; time: number } | null;
  stage: ProgressEvent | null;
  /** The one bar's position: phase and share of the whole attempt done, never moving back. */
  progress: RunProgress | null;
  trainerError: ErrorEvent | null;
  loading: boolean;
  loadError: AirlockErrorShape | null;
  actionError: AirlockErrorShape | null;
  busy: boolean;
}

export interface LiveRunsState {
  runs: Record<string, LiveRun>;
}

export const liveRunsInitialState: LiveRunsState = { runs: {} };

const emptyRun = (): LiveRun => ({
  run: null,
  series: {},
  started: null,
  preflight: null,
  generations: [],
  lastStep: null,
  pace: null,
  stage: null,
  progress: null,
  trainerError: null,
  loading: false,
  loadError: null,
  actionError: null,
  busy: false,
});

interface LiveRunsActions {
  /** Loads a run's record and recorded curves, keeping any points that arrived live meanwhile. */
  open(runId: string): Promise<void>;
  /** Queues a trainer event; queued events are applied together once per animation frame. */
  ingest(runId: string, event: TrainerEvent): void;
  /** Applies every queued event now. */
  flush(): void;
  /** The run's final record arrived. */
  finished(run: Run): void;
  cancel(runId: string): Promise<void>;
  resume(runId: string): Promise<void>;
}

const STEP_KEYS = [
  ['train/loss', 'loss'],
  ['train/learning_rate', 'learning_rate'],
  ['train/samples_per_s', 'samples_per_s'],
  ['train/tokens_per_s', 'tokens_per_s'],
] as const;

/** Groups recorded metric points into curves sorted by step. */
export function seriesOf(points: readonly MetricPoint[]): Record<string, Point[]> {
  const series: Record<string, Point[]> = {};
  for (const point of points) (series[point.key] ??= []).push({ step: point.step, value: point.value });
  for (const key in series) series[key].sort((a, b) => a.step - b.step);
  return series;
}

/** Recorded curves, followed by the live points past the last recorded step of each. */
function mergeSeries(recorded: Record<string, Point[]>, live: Record<string, Point[]>): Record<string, Point[]> {
  const merged: Record<string, Point[]> = { ...recorded };
  for (const [key, points] of Object.entries(live)) {
    const base = merged[key] ?? [];
    const lastStep = base.length > 0 ? base[base.length - 1].step : -Infinity;
    merged[key] = base.concat(points.filter((point) => point.step > lastStep));
  }
  return merged;
}

/** The rounds with `round` in its epoch's place (a resumed attempt may write an epoch again), oldest epoch first. */
export function withRound(rounds: readonly GenerationRound[], round: GenerationRound): GenerationRound[] {
  return [...rounds.filter((candidate) => candidate.epoch !== round.epoch), round].sort((a, b) => a.epoch - b.epoch);
}

/** Applies a batch of events to one run's state, copying each touched curve once. */
function applyEvents(state: LiveRun, events: TrainerEvent[]): LiveRun {
  const next: LiveRun = { ...state };
  const added: Record<string, Point[]> = {};
  const push = (key: string, point: Point) => (added[key] ??= []).push(point);
  for (const event of events) {
    next.progress = advance(next.progress, event);
    switch (event.type) {
      case 'started':
        next.started = event;
        next.pace = null;
        next.trainerError = null;
        if (next.run) next.run = { ...next.run, status: 'running', device: event.device_name, precision: event.precision };
        break;
      case 'progress':
        next.stage = event;
        break;
      case 'step':
        for (const [key, field] of STEP_KEYS) push(key, { step: event.step, value: event[field] });
        next.lastStep = event;
        next.stage = null;
        if (!next.pace || event.step < next.pace.step) next.pace = { step: event.step, time: Date.parse(event.ts) };
        break;
      case 'epoch':
        for (const [key, value] of epochEventValues(event)) push(key, { step: event.step, value });
        break;
      case 'preflight':
        next.preflight = event;
        break;
      case 'generations':
        next.generations = withRound(next.generations, { epoch: event.epoch, step: event.step, samples: event.samples });
        break;
      case 'error':
        next.trainerError = event;
        break;
      case 'finished':
        next.stage = null;
        break;
      default:
        break;
    }
  }
  if (Object.keys(added).length > 0) {
    next.series = { ...state.series };
    for (const [key, points] of Object.entries(added)) next.series[key] = (state.series[key] ?? []).concat(points);
  }
  return next;
}

const queued = new Map<string, TrainerEvent[]>();
let scheduled = false;
let lastFlush = 0;
/** At most ten chart updates a second: each redraws every curve, however many events arrived. */
const MIN_FLUSH_INTERVAL_MS = 100;

function schedule(flush: () => void): void {
  if (scheduled) return;
  scheduled = true;
  const run = () => {
    scheduled = false;
    lastFlush = Date.now();
    flush();
  };
  const raf = (globalThis as { requestAnimationFrame?: (callback: () => void) => number }).requestAnimationFrame;
  const onFrame = () => (raf ? raf(run) : setTimeout(run, 16));
  const wait = lastFlush + MIN_FLUSH_INTERVAL_MS - Date.now();
  if (wait > 0) setTimeout(onFrame, wait);
  else onFrame();
}

/** Live state of the runs the user has looked at or that sent events. */
export const useLiveRuns = create<LiveRunsState & LiveRunsActions>((set, get) => {
  const update = (runId: string, change: (run: LiveRun) => LiveRun) =>
    set((state) => ({ runs: { ...state.runs, [runId]: change(state.runs[runId] ?? emptyRun()) } }));

  return {
    ...liveRunsInitialState,
    async open(runId) {
      get().flush();
      update(runId, (live) => ({ ...live, loading: true, loadError: null }));
      try {
        const { run, curves, generations } = await call('runs.get', { runId });
        get().flush();
        update(runId, (live) => ({
          ...live,
          run: run.device || !live.started ? run : { ...run, device: live.started.device_name, precision: live.started.precision },
          series: mergeSeries(seriesOf(curves), live.series),
          // Rounds that arrived live while the record loaded are newer than the recorded ones of their epoch.
          generations: live.generations.reduce(withRound, generations),
          loading: false,
        }));
      } catch (error) {
        update(runId, (live) => ({ ...live, loading: false, loadError: errorShapeOf(error) }));
      }
    },
    ingest(runId, event) {
      const list = queued.get(runId);
      if (list) list.push(event);
      else queued.set(runId, [event]);
      schedule(() => get().flush());
    },
    flush() {
      if (queued.size === 0) return;
      const batches = [...queued];
      queued.clear();
      set((state) => {
        const runs = { ...state.runs };
        for (const [runId, events] of batches) runs[runId] = applyEvents(runs[runId] ?? emptyRun(), events);
        return { runs };
      });
    },
    finished(run) {
      get().flush();
      update(run.id, (live) => ({ ...live, run, stage: null, busy: false }));
    },
    async cancel(runId) {
      update(runId, (live) => ({ ...live, busy: true, actionError: null }));
      try {
        const { cancelled } = await call('runs.cancel', { runId });
        // When cancelled, the record arrives with the `finished` notice once the trainer has saved its checkpoint.
        if (!cancelled) update(runId, (live) => ({ ...live, busy: false }));
      } catch (error) {
        update(runId, (live) => ({ ...live, busy: false, actionError: errorShapeOf(error) }));
      }
    },
    async resume(runId) {
      update(runId, (live) => ({ ...live, busy: true, actionError: null }));
      try {
        await call('runs.resume', { runId });
        update(runId, (live) => ({
          ...live,
          busy: false,
          pace: null,
          stage: null,
          progress: null, // a new attempt reads and tokenizes again: its bar starts afresh
          trainerError: null,
          run: live.run ? { ...live.run, status: 'running', error: null } : live.run,
        }));
        // The record now counts the new attempt; its curves keep the points already shown.
        await get().open(runId);
      } catch (error) {
        update(runId, (live) => ({ ...live, busy: false, actionError: errorShapeOf(error) }));
      }
    },
  };
});

/** Steps per second since the trainer (re)started and the estimated seconds left; null until two steps are seen. */
export function estimate(live: Pick<LiveRun, 'pace' | 'lastStep'>): { stepsPerSecond: number; secondsLeft: number } | null {
  const { pace, lastStep } = live;
  if (!pace || !lastStep || lastStep.step <= pace.step) return null;
  const seconds = (Date.parse(lastStep.ts) - pace.time) / 1000;
  if (seconds <= 0) return null;
  const stepsPerSecond = (lastStep.step - pace.step) / seconds;
  return { stepsPerSecond, secondsLeft: Math.max(0, lastStep.total_steps - lastStep.step) / stepsPerSecond };
}
