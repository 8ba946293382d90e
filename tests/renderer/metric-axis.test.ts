import { describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../schemas/events.ts';
import { byEpoch, epochAxis, groupEpochMetrics, metricRange, sharedRange, valueAxis } from '../../renderer/src/lib/metric-axis.ts';
import { advance, RUN_PHASES, type RunProgress } from '../../renderer/src/lib/run-progress.ts';

describe('axes that tell the truth about a metric', () => {
  it('knows what each metric can take: shares 0–1, R² up to 1, losses and errors 0 or more', () => {
    for (const key of ['val/accuracy', 'test/f1_macro', 'val/f1_micro', 'val/precision_macro', 'val/recall', 'val/exact_match']) {
      expect(metricRange(key), key).toEqual({ min: 0, max: 1 });
    }
    expect(metricRange('val/r2')).toEqual({ min: null, max: 1 });
    expect(metricRange('val/loss')).toEqual({ min: 0, max: null });
    expect(metricRange('val/mae')).toEqual({ min: 0, max: null });
    expect(metricRange('something/else')).toEqual({ min: null, max: null });
    expect(sharedRange(['val/accuracy', 'val/f1_macro'])).toEqual({ min: 0, max: 1 });
    expect(sharedRange(['val/accuracy', 'val/r2'])).toEqual({ min: null, max: 1 });
  });

  it('draws a flat 1.0 accuracy on 0–1, not −1 to 3, and 0.8436 against 0.8452 on the same 0–1', () => {
    expect(valueAxis([1, 1, 1], metricRange('val/accuracy'))).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(valueAxis([0.8436, 0.8452], metricRange('val/f1_macro')).domain).toEqual([0, 1]);
  });

  it('pads other metrics by a tenth of their span, never past what they can take', () => {
    const loss = valueAxis([0.02, 0.5], metricRange('val/loss'));
    expect(loss.domain[0]).toBe(0); // 0.02 − 0.048 would be a negative loss
    expect(loss.domain[1]).toBeCloseTo(0.548);
    const r2 = valueAxis([0.6, 0.99], metricRange('val/r2'));
    expect(r2.domain[1]).toBe(1); // 0.99 + 0.039 would be an R² above 1
    expect(r2.domain[0]).toBeCloseTo(0.561);
    const flat = valueAxis([0.5, 0.5], metricRange('train/loss'));
    expect(flat.domain[0]).toBeCloseTo(0.45);
    expect(flat.domain[1]).toBeCloseTo(0.55);
    for (const axis of [loss, r2, flat]) for (const tick of axis.ticks) expect(tick).toBeGreaterThanOrEqual(axis.domain[0]);
    for (const axis of [loss, r2, flat]) for (const tick of axis.ticks) expect(tick).toBeLessThanOrEqual(axis.domain[1]);
    // A long run's 200,000 values do not overflow the call stack.
    expect(valueAxis(Array.from({ length: 200_000 }, (_, i) => i), { min: null, max: null }).domain[1]).toBeGreaterThan(199_999);
  });

  it('puts per-epoch points on epochs from 1, read from the recorded epoch numbers', () => {
    // Epochs ended at steps 4, 8 and 11 (a shorter last epoch); the epoch key holds 0-based numbers there.
    const epochs = [{ step: 4, value: 0 }, { step: 8, value: 1 }, { step: 11, value: 2 }];
    const accuracy = [{ step: 4, value: 0.5 }, { step: 8, value: 0.7 }, { step: 11, value: 0.8 }];
    expect(byEpoch(accuracy, epochs)).toEqual([{ step: 1, value: 0.5 }, { step: 2, value: 0.7 }, { step: 3, value: 0.8 }]);
    // Runs recorded before the epoch key: one validation per epoch.
    expect(byEpoch(accuracy, undefined).map((point) => point.step)).toEqual([1, 2, 3]);
    expect(epochAxis([{ step: 1 }])).toEqual({ domain: [0.5, 1.5], ticks: [1] });
    expect(epochAxis([{ step: 1 }, { step: 2 }, { step: 3 }])).toEqual({ domain: [0.5, 3.5], ticks: [1, 2, 3] });
    expect(epochAxis(Array.from({ length: 100 }, (_, i) => ({ step: i + 1 }))).ticks.length).toBeLessThanOrEqual(10);
  });

  it('charts shares, R² and errors apart so each axis fits its lines', () => {
    const groups = groupEpochMetrics(['val/accuracy', 'val/f1_macro', 'val/mae', 'val/r2', 'val/rmse']);
    expect(groups.map((group) => [group.title, group.keys, group.range])).toEqual([
      ['Validation scores per epoch', ['val/accuracy', 'val/f1_macro'], { min: 0, max: 1 }],
      ['Validation R² per epoch', ['val/r2'], { min: null, max: 1 }],
      ['Validation errors per epoch', ['val/mae', 'val/rmse'], { min: 0, max: null }],
    ]);
  });
});

const envelope = (seq: number) => ({ v: 1 as const, run_id: 'r', seq, ts: new Date(1_000_000 + seq * 1000).toISOString() });
const progress = (seq: number, stage: Extract<TrainerEvent, { type: 'progress' }>['stage'], fraction: number | null): TrainerEvent => ({ ...envelope(seq), type: 'progress', stage, message: stage, fraction });
const step = (seq: number, n: number): TrainerEvent => ({ ...envelope(seq), type: 'step', step: n, total_steps: 10, epoch: 0, loss: 1, learning_rate: 1e-5, samples_per_s: 1, tokens_per_s: 1 });

describe('one progress bar for the whole run', () => {
  it('only moves forward through reading, tokenizing, loading, training, scoring and saving', () => {
    const events: TrainerEvent[] = [
      progress(0, 'loading_data', 0),
      progress(1, 'loading_data', 0.5),
      progress(2, 'tokenizing', 0),
      progress(3, 'tokenizing', 1), // the training split done ...
      progress(4, 'tokenizing', 0), // ... a stage that starts over for the next split must not move the bar back
      progress(5, 'loading_model', 0.5),
      progress(6, 'loading_model', 1),
      step(7, 1),
      step(8, 10), // 100% of the steps ...
      progress(9, 'validating', null), // ... then scoring: not back to 17%
      progress(10, 'saving', null),
    ];
    let state: RunProgress | null = null;
    const seen: RunProgress[] = [];
    for (const event of events) {
      state = advance(state, event);
      seen.push(state!);
    }
    const overall = seen.map((entry) => entry.overall);
    expect(overall).toEqual([...overall].sort((a, b) => a - b));
    expect(seen.map((entry) => entry.phase)).toEqual(['reading', 'reading', 'tokenizing', 'tokenizing', 'tokenizing', 'loading', 'loading', 'training', 'training', 'scoring', 'saving']);
    expect(seen[8].overall).toBeCloseTo(0.9); // training ends at 90% of the bar: scoring and saving are still to come
    expect(seen[10].overall).toBeLessThan(1);
    expect(RUN_PHASES.reduce((sum, phase) => sum + phase.weight, 0)).toBeCloseTo(1);
  });
});
