import { useMemo, useRef } from 'react';
import { MetricChart, type ChartSeries } from './MetricChart.tsx';
import type { Point } from '../lib/lttb.ts';
import { byEpoch, EPOCH_KEY, groupEpochMetrics, metricRange, sharedRange, type MetricRange } from '../lib/metric-axis.ts';

const NO_POINTS: Point[] = [];

/** Chart series for the given keys, rebuilt only when one of their point arrays changes. */
function useSeries(series: Record<string, Point[]>, keys: string[], names?: Record<string, string>): ChartSeries[] {
  const cache = useRef<ChartSeries[]>([]);
  const previous = cache.current;
  const same = previous.length === keys.length && keys.every((key, i) => previous[i].points === (series[key] ?? NO_POINTS) && previous[i].name === (names?.[key] ?? key));
  if (!same) cache.current = keys.map((key) => ({ name: names?.[key] ?? key, points: series[key] ?? NO_POINTS }));
  return cache.current;
}

/** Per-epoch series with the epoch number on the x axis, rebuilt only when their points change. */
function useEpochSeries(series: Record<string, Point[]>, keys: string[], names?: Record<string, string>): ChartSeries[] {
  const bySteps = useSeries(series, keys, names);
  const epochs = series[EPOCH_KEY];
  return useMemo(() => bySteps.map((line) => ({ name: line.name, points: byEpoch(line.points, epochs) })), [bySteps, epochs]);
}

function EpochChart({ series, title, keys, range, names, emptyText }: { series: Record<string, Point[]>; title: string; keys: string[]; range: MetricRange; names?: Record<string, string>; emptyText?: string }) {
  const lines = useEpochSeries(series, keys, names);
  return <MetricChart title={title} series={lines} x="epoch" range={range} emptyText={emptyText} />;
}

/** The Run screen's charts: per-step training curves, then per-epoch validation metrics and losses against the epoch. */
export function RunCharts({ series }: { series: Record<string, Point[]> }) {
  const loss = useSeries(series, ['train/loss'], { 'train/loss': 'training loss' });
  const rate = useSeries(series, ['train/learning_rate'], { 'train/learning_rate': 'learning rate' });
  const throughput = useSeries(series, ['train/samples_per_s'], { 'train/samples_per_s': 'samples/s' });
  const valKeys = Object.keys(series).filter((key) => key.startsWith('val/') && key !== 'val/loss').sort();
  const groups = groupEpochMetrics(valKeys);
  const lossKeys = ['epoch/train/loss', 'val/loss'].filter((key) => series[key]);
  return (
    <div className="grid-2">
      <MetricChart title="Training loss" series={loss} range={metricRange('train/loss')} />
      <MetricChart title="Learning rate" series={rate} range={metricRange('train/learning_rate')} />
      <MetricChart title="Throughput (samples per second)" series={throughput} unit="samples/s" range={metricRange('train/samples_per_s')} />
      {groups.length === 0 && <MetricChart title="Validation scores per epoch" series={[]} emptyText="No points yet: validation runs at the end of each epoch." />}
      {groups.map((group) => (
        <EpochChart key={group.title} series={series} title={group.title} keys={group.keys} range={group.range} />
      ))}
      {lossKeys.length > 0 && (
        <EpochChart series={series} title="Loss per epoch" keys={lossKeys} range={sharedRange(lossKeys)} names={{ 'epoch/train/loss': 'training (epoch mean)', 'val/loss': 'validation' }} />
      )}
    </div>
  );
}
