import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { lttb, type Point } from '../lib/lttb.ts';
import { formatMetric } from '../lib/format.ts';
import { epochAxis, valueAxis, type MetricRange } from '../lib/metric-axis.ts';

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  points: readonly Point[];
}

const COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)', 'var(--chart-6)'];

/** Points drawn per line: about a chart's width in pixels. */
export const MAX_CHART_POINTS = 1000;

const UNBOUNDED: MetricRange = { min: null, max: null };

function* valuesOf(series: ChartSeries[]): Iterable<number> {
  for (const line of series) for (const point of line.points) yield point.value;
}

/** "12 points, latest 0.5 at step 12": how many points a line has and where it ended, in words. */
function describeLine(line: ChartSeries, x: 'step' | 'epoch', unit: string | undefined): string {
  const count = line.points.length;
  const latest = line.points[count - 1];
  const points = `${count.toLocaleString('en-US')} point${count === 1 ? '' : 's'}`;
  return latest ? `${points}, latest ${formatMetric(latest.value)}${unit ? ` ${unit}` : ''} at ${x} ${latest.step}` : points;
}

/**
 * A line chart of metric curves over steps or epochs. Each series is downsampled with LTTB to at most
 * {@link MAX_CHART_POINTS} points and drawn without animation, so long live runs stay smooth. The y axis covers what
 * the metric can take (`range`: 0–1 for accuracy and F1), so small differences look small. The caption states each
 * line's size and latest value in words (for screen readers and tests).
 */
export function MetricChart({
  title,
  series,
  unit,
  x = 'step',
  range = UNBOUNDED,
  emptyText = 'No points yet.',
}: {
  title: string;
  series: ChartSeries[];
  unit?: string;
  /** What the points' `step` holds: an optimizer step or an epoch number (from 1). */
  x?: 'step' | 'epoch';
  range?: MetricRange;
  emptyText?: string;
}) {
  const drawn = useMemo(() => series.map((line) => ({ name: line.name, points: lttb(line.points, MAX_CHART_POINTS) })), [series]);
  const yAxis = useMemo(() => valueAxis(valuesOf(series), range), [series, range.min, range.max]);
  const xAxis = useMemo(() => (x === 'epoch' ? epochAxis(series.flatMap((line) => line.points)) : null), [series, x]);
  const total = series.reduce((sum, line) => sum + line.points.length, 0);
  const caption =
    total === 0
      ? emptyText
      : series.length === 1
        ? `${describeLine(series[0], x, unit)}.`
        : `${series.map((line) => `${line.name}: ${describeLine(line, x, unit)}`).join('; ')}.`;
  return (
    <figure className="card chart-card" aria-label={title} style={{ margin: 0 }}>
      <div className="chart-title">{title}</div>
      <div className={total > 0 ? 'chart' : 'chart empty-chart'}>
        {total > 0 && (
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 480, height: 240 }}>
            <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis
                dataKey="step"
                type="number"
                domain={xAxis ? xAxis.domain : [0, 'auto']}
                ticks={xAxis?.ticks}
                interval={xAxis ? 0 : 'preserveEnd'}
                allowDecimals={false}
                allowDuplicatedCategory={false}
                stroke="var(--muted)"
                tick={{ fontSize: 12 }}
                label={{ value: x, position: 'insideBottomRight', offset: -4, fontSize: 11, fill: 'var(--muted)' }}
              />
              <YAxis
                dataKey="value"
                type="number"
                domain={yAxis.domain}
                ticks={yAxis.ticks}
                interval={0}
                allowDataOverflow
                stroke="var(--muted)"
                tick={{ fontSize: 12 }}
                tickFormatter={(value: number) => formatMetric(value)}
                width={64}
              />
              <Tooltip
                formatter={(value) => formatMetric(Number(value))}
                labelFormatter={(at) => `${x} ${at}`}
                contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' }}
              />
              {drawn.length > 1 && <Legend />}
              {drawn.map((line, index) => (
                <Line
                  key={line.name}
                  name={line.name}
                  data={line.points as Point[]}
                  dataKey="value"
                  type="linear"
                  stroke={COLORS[index % COLORS.length]}
                  strokeWidth={1.5}
                  dot={line.points.length < 30}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
      <figcaption className="muted small">{caption}</figcaption>
    </figure>
  );
}
