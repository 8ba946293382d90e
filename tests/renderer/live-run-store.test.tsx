// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrainerEvent } from '../../schemas/events.ts';
import { estimate, liveRunsInitialState, seriesOf, useLiveRuns } from '../../renderer/src/store/live-run.ts';

const T0 = Date.parse('2026-11-28T08:00:00Z');
let seq = 0;
const envelope = (runId: string, seconds: number) => ({ v: 1 as const, run_id: runId, seq: seq++, ts: new Date(T0 + seconds * 1000).toISOString() });

function step(runId: string, n: number, total = 100_000): TrainerEvent {
  return { ...envelope(runId, n / 10), type: 'step', step: n, total_steps: total, epoch: 0, loss: 2 / (1 + n / 100), learning_rate: 5e-5, samples_per_s: 120, tokens_per_s: 4000 };
}

beforeEach(() => useLiveRuns.setState(liveRunsInitialState));

describe('live run store', () => {
  it('appends step events as points of every training curve, in one update per flush', () => {
    let updates = 0;
    const unsubscribe = useLiveRuns.subscribe(() => updates++);
    for (let n = 1; n <= 2500; n++) useLiveRuns.getState().ingest('r1', step('r1', n));
    expect(useLiveRuns.getState().runs.r1).toBeUndefined(); // queued, not applied yet
    useLiveRuns.getState().flush();
    unsubscribe();
    expect(updates).toBe(1);
    const live = useLiveRuns.getState().runs.r1;
    expect(live.series['train/loss']).toHaveLength(2500);
    expect(live.series['train/learning_rate']).toHaveLength(2500);
    expect(live.series['train/samples_per_s'][2499]).toEqual({ step: 2500, value: 120 });
    expect(live.lastStep?.step).toBe(2500);

    useLiveRuns.getState().ingest('r1', step('r1', 2501));
    useLiveRuns.getState().ingest('r1', { ...envelope('r1', 251), type: 'epoch', epoch: 0, step: 2501, metrics: { 'val/loss': 0.4, 'val/f1_macro': 0.8 } });
    useLiveRuns.getState().flush();
    const after = useLiveRuns.getState().runs.r1;
    expect(after.series['train/loss']).toHaveLength(2501);
    expect(after.series['val/f1_macro']).toEqual([{ step: 2501, value: 0.8 }]);
    expect(after.series['val/loss']).toEqual([{ step: 2501, value: 0.4 }]);
  });

  it('applies queued events by itself on an animation frame, at most ten times a second', async () => {
    let updates = 0;
    const unsubscribe = useLiveRuns.subscribe(() => updates++);
    const started = Date.now();
    for (let n = 1; n <= 50; n++) {
      useLiveRuns.getState().ingest('r2', step('r2', n));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await vi.waitFor(() => expect(useLiveRuns.getState().runs.r2.series['train/loss']).toHaveLength(50), { timeout: 2000 });
    unsubscribe();
    const seconds = (Date.now() - started) / 1000;
    expect(updates).toBeGreaterThan(0);
    expect(updates).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
  });

  it('estimates the time left from the steps seen since the trainer (re)started', () => {
    const events: TrainerEvent[] = [
      { ...envelope('r3', 0), type: 'started', accelerator: 'cpu', devices: 1, device_name: 'CPU', precision: '32-true', labels: ['a', 'b'], train_rows: 10, val_rows: 2, test_rows: 0, total_steps: 1000, resumed_from: null },
      step('r3', 100, 1000),
      step('r3', 200, 1000),
    ];
    for (const event of events) useLiveRuns.getState().ingest('r3', event);
    useLiveRuns.getState().flush();
    const live = useLiveRuns.getState().runs.r3;
    expect(live.started?.device_name).toBe('CPU');
    // steps 100 → 200 took 10 s: 10 steps/s, 800 steps left → 80 s
    const eta = estimate(live)!;
    expect(eta.stepsPerSecond).toBeCloseTo(10);
    expect(eta.secondsLeft).toBeCloseTo(80);
  });

  it('groups recorded metric points into sorted curves, keeping epoch mean losses apart from the per-step loss', () => {
    const point = (key: string, step: number, value: number) => ({ key, step, value, ts: '' });
    const series = seriesOf([
      point('train/loss', 2, 1),
      point('train/learning_rate', 2, 1e-5),
      point('val/loss', 2, 3),
      point('epoch/train/loss', 2, 1.4), // the epoch event at step 2: the epoch's mean loss
      point('train/loss', 1, 2),
      point('train/learning_rate', 1, 5e-6),
      point('epoch/train/loss', 3, 0.9), // an epoch ending between logged steps
    ]);
    expect(series['train/loss']).toEqual([{ step: 1, value: 2 }, { step: 2, value: 1 }]);
    expect(series['epoch/train/loss']).toEqual([{ step: 2, value: 1.4 }, { step: 3, value: 0.9 }]);
    expect(series['val/loss']).toHaveLength(1);
  });

  it('files an epoch event’s training loss under epoch/train/loss, not on the per-step curve', () => {
    useLiveRuns.getState().ingest('r4', step('r4', 1));
    useLiveRuns.getState().ingest('r4', { ...envelope('r4', 1), type: 'epoch', epoch: 0, step: 1, metrics: { 'train/loss': 1.7, 'val/loss': 1.2 } });
    useLiveRuns.getState().flush();
    const live = useLiveRuns.getState().runs.r4;
    expect(live.series['train/loss']).toHaveLength(1);
    expect(live.series['epoch/train/loss']).toEqual([{ step: 1, value: 1.7 }]);
  });
});
