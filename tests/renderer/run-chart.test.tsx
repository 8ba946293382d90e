// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import type { TrainerEvent } from '../../schemas/events.ts';
import type { Run } from '../../schemas/run.ts';
import { MetricChart, MAX_CHART_POINTS } from '../../renderer/src/components/MetricChart.tsx';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { liveRunsInitialState, useLiveRuns } from '../../renderer/src/store/live-run.ts';
import type { Point } from '../../renderer/src/lib/lttb.ts';

const T0 = Date.parse('2026-11-28T08:00:00Z');
const curve = (n: number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i + 1, value: 2 * Math.exp(-i / 30_000) + 0.1 * Math.sin(i / 50) }));

function lineCommands(figure: HTMLElement): number {
  const path = figure.querySelector('path.recharts-line-curve');
  return (path?.getAttribute('d')?.match(/[ML]/g) ?? []).length;
}

// happy-dom has no layout engine: chart containers report the size a browser gives them in the app.
const measure = HTMLElement.prototype.getBoundingClientRect;
beforeAll(() => {
  HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, right: 480, bottom: 240, width: 480, height: 240, toJSON: () => ({}) });
});
afterAll(() => {
  HTMLElement.prototype.getBoundingClientRect = measure;
});
beforeEach(() => useLiveRuns.setState(liveRunsInitialState));
afterEach(cleanup);

describe('charts of long runs', () => {
  it('draws at most 1,000 points of a 100,000-point series', () => {
    render(<MetricChart title="Training loss" series={[{ name: 'loss', points: curve(100_000) }]} />);
    const figure = screen.getByRole('figure', { name: 'Training loss' });
    expect(figure.textContent).toContain('100,000 points');
    const drawn = lineCommands(figure);
    expect(drawn).toBeGreaterThan(MAX_CHART_POINTS / 2);
    expect(drawn).toBeLessThanOrEqual(MAX_CHART_POINTS);
  });

  it('keeps a 100,000-step run screen updating: a frame of new steps applies and each chart still draws at most 1,000 points', async () => {
    const runId = 'run-long';
    const points = curve(100_000);
    const run = { id: runId, status: 'running', experiment: 'long', datasetId: 'ds', modelId: 'm', config: {} as Run['config'], runDir: '', modelDir: null, device: 'CPU', precision: '32-true', metrics: {}, details: {}, error: null, stderrTail: null, createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString(), finishedAt: null, durationS: null, attempts: 1 } as unknown as Run;
    useLiveRuns.setState({ runs: { [runId]: { ...useLiveRuns.getState().runs[runId], run, series: { 'train/loss': points, 'train/learning_rate': points, 'train/samples_per_s': points }, started: null, lastStep: null, pace: null, stage: null, trainerError: null, loading: false, loadError: null, actionError: null, busy: false } } });
    // open() would ask the services; the state above stands in for what it loaded.
    const open = useLiveRuns.getState().open;
    useLiveRuns.setState({ open: async () => {} });
    try {
      render(<RunScreen params={{ id: runId }} />);
      expect(screen.getByRole('figure', { name: 'Training loss' }).textContent).toContain('100,000 points');
      await act(async () => {
        for (let step = 100_001; step <= 100_100; step++) {
          const event: TrainerEvent = { v: 1, run_id: runId, seq: step, ts: new Date(T0 + step * 100).toISOString(), type: 'step', step, total_steps: 200_000, epoch: 0, loss: 0.3, learning_rate: 1e-5, samples_per_s: 100, tokens_per_s: 1000 };
          useLiveRuns.getState().ingest(runId, event);
        }
        useLiveRuns.getState().flush();
      });
      expect(screen.getByRole('figure', { name: 'Training loss' }).textContent).toContain('100,100 points');
      const drawn = lineCommands(screen.getByRole('figure', { name: 'Training loss' }));
      expect(drawn).toBeGreaterThan(MAX_CHART_POINTS / 2);
      expect(drawn).toBeLessThanOrEqual(MAX_CHART_POINTS);
      // How long this takes against drawing every point is measured by `npm run bench:ui`, not asserted here.
    } finally {
      useLiveRuns.setState({ open });
    }
  });
});
