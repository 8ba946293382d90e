import { describe, expect, it } from 'vitest';
import { lttb, type Point } from '../../renderer/src/lib/lttb.ts';

const curve = (n: number, f: (i: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i) }));

describe('LTTB downsampling', () => {
  it('returns exactly the requested number of points, first and last kept, steps increasing', () => {
    const points = curve(100_000, (i) => Math.sin(i / 500) + (i % 7) * 0.01);
    const sampled = lttb(points, 1000);
    expect(sampled).toHaveLength(1000);
    expect(sampled[0]).toBe(points[0]);
    expect(sampled[999]).toBe(points[99_999]);
    for (let i = 1; i < sampled.length; i++) expect(sampled[i].step).toBeGreaterThan(sampled[i - 1].step);
  });

  it('keeps isolated peaks and dips that plain striding would drop', () => {
    const points = curve(10_000, () => 1);
    points[4321] = { step: 4321, value: 50 };
    points[7777] = { step: 7777, value: -30 };
    const sampled = lttb(points, 100);
    expect(sampled.map((point) => point.value)).toContain(50);
    expect(sampled.map((point) => point.value)).toContain(-30);
    const strided = points.filter((_, i) => i % 100 === 0);
    expect(strided.map((point) => point.value)).not.toContain(50);
  });

  it('leaves short series alone and handles tiny thresholds', () => {
    const points = curve(10, (i) => i);
    expect(lttb(points, 1000)).toBe(points);
    expect(lttb(points, 2)).toEqual([points[0], points[9]]);
  });
});
