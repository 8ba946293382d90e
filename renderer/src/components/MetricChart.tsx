import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { lttb, type Point } from '../lib/lttb.ts';
import { formatMetric } from '../lib/format.ts';

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  points: readonly Point[];
}

const COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)', 'var(--chart-6)'];

/** Points drawn per line: about a chart's width in pixels. */
export const MAX_CHART_POINTS = 1000;

/**
 * A line chart of metric curves over steps. Each series is downsampled with LTTB to at most
 * {@link MAX_CHART_POINTS} points and drawn without animation, so long live runs stay smooth.
 * The caption states the size and latest value in words (for screen readers and tests).
 */
export function MetricChart({ title, series, unit, logScale = false, emptyText = 'No points yet.' }: { title: string; series: ChartSeries[]; unit?: string; logScale?: boolean; emptyText?: string }) {
  const drawn = useMemo(() => series.map((line) => ({ name: line.name, points: lttb(line.points, MAX_CHART_POINTS) })), [series]);
  const total = series.reduce((sum, line) => sum + line.points.length, 0);
  const latest = series.length === 1 && series[0].points.length > 0 ? series[0].points[series[0].points.length - 1] : null;
  const caption =
    total === 0
      ? emptyText
      : `${total.toLocaleString('en-US')} point${total === 1 ? '' : 's'}${latest ? `, latest ${formatMetric(latest.value)}${unit ? ` ${unit}` : ''} at step ${latest.step}` : ''}.`;
  const positive = logScale && series.every((line) => line.points.every((point) => point.value > 0));
  return (
    <figure className="card" aria-label={title} style={{ margin: 0 }}>
      <div className="chart-title">{title}</div>
      <div className={total > 0 ? 'chart' : 'chart empty-chart'}>
        {total > 0 && (
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 480, height: 240 }}>
            <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="step" type="number" domain={[0, 'auto']} allowDecimals={false} allowDuplicatedCategory={false} stroke="var(--muted)" tick={{ fontSize: 12 }} />
              <YAxis
                dataKey="value"
                type="number"
                scale={positive ? 'log' : 'auto'}
                domain={['auto', 'auto']}
                stroke="var(--muted)"
                tick={{ fontSize: 12 }}
                tickFormatter={(value: number) => formatMetric(value)}
                width={64}
              />
              <Tooltip
                formatter={(value) => formatMetric(Number(value))}
                labelFormatter={(step) => `step ${step}`}
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
