// @vitest-environment happy-dom
// `npm run bench:ui`: how long the Run screen's charts take to draw a 100,000-step run, Airlock's
// downsampled MetricChart against the same recharts line drawing every point (the baseline), in the
// same process and run. happy-dom has no layout or paint, so these are React + recharts costs only.
import { bench, describe } from 'vitest';
import { cleanup, render } from '@testing-library/react';
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { MetricChart } from '../../renderer/src/components/MetricChart.tsx';
import { lttb, type Point } from '../../renderer/src/lib/lttb.ts';

const STEPS = 100_000;
const curve = (n: number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i + 1, value: 2 * Math.exp(-i / 30_000) + 0.1 * Math.sin(i / 50) }));
const points = curve(STEPS);
const grown = curve(STEPS + 100);

// happy-dom has no layout engine: chart containers report the size a browser gives them in the app.
HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, right: 480, bottom: 240, width: 480, height: 240, toJSON: () => ({}) });

const options = { iterations: 5, warmupIterations: 1, time: 0 };

describe(`three charts of a ${STEPS.toLocaleString('en-US')}-step run, then 100 more steps`, () => {
  bench(
    'Airlock MetricChart (LTTB to 1,000 points)',
    () => {
      const view = render(<>{[1, 2, 3].map((chart) => <MetricChart key={chart} title={`chart ${chart}`} series={[{ name: 'loss', points }]} />)}</>);
      view.rerender(<>{[1, 2, 3].map((chart) => <MetricChart key={chart} title={`chart ${chart}`} series={[{ name: 'loss', points: grown }]} />)}</>);
      cleanup();
    },
    options,
  );
  bench(
    'baseline: recharts LineChart drawing every point',
    () => {
      const chart = (data: Point[]) => (
        <>
          {[1, 2, 3].map((key) => (
            <LineChart key={key} width={480} height={240}>
              <XAxis dataKey="step" type="number" />
              <YAxis dataKey="value" />
              <Line data={data} dataKey="value" dot={false} isAnimationActive={false} />
            </LineChart>
          ))}
        </>
      );
      const view = render(chart(points));
      view.rerender(chart(grown));
      cleanup();
    },
    options,
  );
});

describe('downsampling alone', () => {
  bench(`lttb: ${STEPS.toLocaleString('en-US')} points to 1,000`, () => {
    lttb(points, 1000);
  });
});
