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

const NO_POINTS_YET = 'No points yet: validation runs at the end of each epoch.';

/**
 * The Run screen's charts: per-step training curves, then per-epoch validation metrics and losses against the epoch.
 * A causal_lm run (`generative`) has no scores to count right or wrong: its charts are loss and perplexity, and its
 * throughput is in tokens, as a text generator's speed is usually stated.
 */
export function RunCharts({ series, generative = false }: { series: Record<string, Point[]>; generative?: boolean }) {
  const loss = useSeries(series, ['train/loss'], { 'train/loss': 'training loss' });
  const rate = useSeries(series, ['train/learning_rate'], { 'train/learning_rate': 'learning rate' });
  const speedKey = generative ? 'train/tokens_per_s' : 'train/samples_per_s';
  const speedUnit = generative ? 'tokens/s' : 'samples/s';
  const throughput = useSeries(series, [speedKey], { [speedKey]: speedUnit });
  const valKeys = Object.keys(series).filter((key) => key.startsWith('val/') && key !== 'val/loss').sort();
  const groups = generative ? [] : groupEpochMetrics(valKeys);
  const lossKeys = ['epoch/train/loss', 'val/loss'].filter((key) => series[key]);
  return (
    <div className="grid-2">
      <MetricChart title="Training loss" series={loss} range={metricRange('train/loss')} />
      <MetricChart title="Learning rate" series={rate} range={metricRange('train/learning_rate')} />
      <MetricChart title={`Throughput (${generative ? 'tokens' : 'samples'} per second)`} series={throughput} unit={speedUnit} range={metricRange(speedKey)} />
      {generative && (
        <EpochChart
          series={series}
          title="Validation perplexity per epoch (lower is better)"
          keys={['val/perplexity']}
          range={metricRange('val/perplexity')}
          names={{ 'val/perplexity': 'perplexity' }}
          emptyText={NO_POINTS_YET}
        />
      )}
      {!generative && groups.length === 0 && <MetricChart title="Validation scores per epoch" series={[]} emptyText={NO_POINTS_YET} />}
      {groups.map((group) => (
        <EpochChart key={group.title} series={series} title={group.title} keys={group.keys} range={group.range} />
      ))}
      {lossKeys.length > 0 && (
        <EpochChart series={series} title="Loss per epoch" keys={lossKeys} range={sharedRange(lossKeys)} names={{ 'epoch/train/loss': 'training (epoch mean)', 'val/loss': 'validation' }} />
      )}
    </div>
  );
}
