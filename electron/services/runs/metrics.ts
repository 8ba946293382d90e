import type { TrainerEvent } from '../../../schemas/events.ts';
import { epochEventValues, type MetricPoint } from '../../../schemas/run.ts';

/** The metric points a trainer event carries: per-step training curves; per-epoch validation and mean training metrics, and the epoch number. */
export function metricPointsOf(event: TrainerEvent): MetricPoint[] {
  if (event.type === 'step') {
    return [
      { key: 'train/loss', step: event.step, value: event.loss, ts: event.ts },
      { key: 'train/learning_rate', step: event.step, value: event.learning_rate, ts: event.ts },
      { key: 'train/samples_per_s', step: event.step, value: event.samples_per_s, ts: event.ts },
      { key: 'train/tokens_per_s', step: event.step, value: event.tokens_per_s, ts: event.ts },
    ];
  }
  if (event.type === 'epoch') {
    return epochEventValues(event).map(([key, value]) => ({ key, step: event.step, value, ts: event.ts }));
  }
  return [];
}
