/** Axes that tell the truth about a metric: its possible range, and an x axis of epochs for per-epoch values. */
import { EPOCH_KEY } from '../../../schemas/run.ts';
import type { Point } from './lttb.ts';

/** What values a metric can take; null where it is unbounded. */
export interface MetricRange {
  min: number | null;
  max: number | null;
}

const SHARES = /(?:^|\/)(?:accuracy|exact_match|(?:f1|precision|recall)(?:_[a-z]+)?)$/;
const NON_NEGATIVE = /(?:^|\/)(?:loss|mae|rmse|mse|learning_rate|samples_per_s|tokens_per_s)$/;

/** The range a metric can take, by its name: shares 0–1, R² up to 1, losses and errors 0 or more, perplexity 1 or more. */
export function metricRange(key: string): MetricRange {
  if (SHARES.test(key)) return { min: 0, max: 1 };
  if (/(?:^|\/)r2$/.test(key)) return { min: null, max: 1 };
  if (NON_NEGATIVE.test(key)) return { min: 0, max: null };
  // exp(loss): a model that is sure of every right token scores 1.
  if (/(?:^|\/)perplexity$/.test(key)) return { min: 1, max: null };
  return { min: null, max: null };
}

/** The range every one of several metrics fits in (for a chart drawing them together). */
export function sharedRange(keys: string[]): MetricRange {
  const ranges = keys.map(metricRange);
  if (ranges.length === 0) return { min: null, max: null };
  const all = (pick: (range: MetricRange) => number | null, wider: (a: number, b: number) => number) =>
    ranges.every((range) => pick(range) !== null) ? ranges.map(pick).reduce((a, b) => wider(a!, b!)) : null;
  return { min: all((range) => range.min, Math.min), max: all((range) => range.max, Math.max) };
}

function niceStep(span: number): number {
  const raw = span / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10) * power;
}

/**
 * The y axis for values of a metric with the given range: a bounded share is drawn on 0–1, so 0.8436 and 0.8452 look
 * as close as they are and a flat 1.0 is not given an axis from −1 to 3; any other metric gets its data's span padded
 * by a tenth, never past what the metric can take. Returns the domain and evenly spaced ticks inside it.
 */
export function valueAxis(values: Iterable<number>, range: MetricRange): { domain: [number, number]; ticks: number[] } {
  let low: number;
  let high: number;
  if (range.min !== null && range.max !== null) {
    [low, high] = [range.min, range.max];
  } else {
    // A loop, not Math.min(...values): a long run's curve has more points than a call can take arguments.
    let lowest = Infinity;
    let highest = -Infinity;
    for (const value of values) {
      if (!Number.isFinite(value)) continue;
      if (value < lowest) lowest = value;
      if (value > highest) highest = value;
    }
    if (lowest > highest) [lowest, highest] = [range.min ?? 0, range.max ?? 1];
    const pad = highest > lowest ? (highest - lowest) * 0.1 : Math.abs(highest) * 0.1 || 1;
    low = range.min !== null ? Math.max(range.min, lowest - pad) : lowest - pad;
    high = range.max !== null ? Math.min(range.max, highest + pad) : highest + pad;
  }
  const step = niceStep(high - low);
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step - 1e-9) * step; tick <= high + step * 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return { domain: [low, high], ticks };
}

/** The x axis for epochs 1..n: integer ticks (at most about ten) with half an epoch of room at each end. */
export function epochAxis(points: readonly { step: number }[]): { domain: [number, number]; ticks: number[] } {
  const epochs = points.map((point) => point.step);
  const first = epochs.length ? Math.min(...epochs) : 1;
  const last = epochs.length ? Math.max(...epochs) : 1;
  const every = Math.max(1, Math.ceil((last - first + 1) / 10));
  const ticks: number[] = [];
  for (let epoch = first; epoch <= last; epoch += every) ticks.push(epoch);
  return { domain: [first - 0.5, last + 0.5], ticks };
}

/**
 * A per-epoch curve with the epoch (from 1) in place of the step. Each epoch event recorded its epoch number under
 * {@link EPOCH_KEY} at the same step as its metrics; runs recorded before that fall back to one validation per epoch.
 */
export function byEpoch(points: readonly Point[], epochs: readonly Point[] | undefined): Point[] {
  const epochAt = new Map((epochs ?? []).map((point) => [point.step, point.value + 1]));
  return points.map((point, index) => ({ step: epochAt.get(point.step) ?? index + 1, value: point.value }));
}

/** Per-epoch validation metrics, grouped so that each chart's axis fits all its lines: shares 0–1, R² up to 1, the rest. */
export function groupEpochMetrics(keys: string[]): { title: string; keys: string[]; range: MetricRange }[] {
  const shares = keys.filter((key) => metricRange(key).max === 1 && metricRange(key).min === 0);
  const upToOne = keys.filter((key) => metricRange(key).max === 1 && metricRange(key).min === null);
  const rest = keys.filter((key) => !shares.includes(key) && !upToOne.includes(key));
  return [
    { title: 'Validation scores per epoch', keys: shares, range: sharedRange(shares) },
    { title: 'Validation R² per epoch', keys: upToOne, range: sharedRange(upToOne) },
    { title: 'Validation errors per epoch', keys: rest, range: sharedRange(rest) },
  ].filter((group) => group.keys.length > 0);
}

export { EPOCH_KEY };
