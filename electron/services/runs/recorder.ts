import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import type { MetricPoint } from '../../../schemas/run.ts';
import type { RunOutcome, RunTable } from '../store/runs.ts';
import { metricPointsOf } from './metrics.ts';

/**
 * Records the trainer events of one attempt of a run into the history: the raw events (with the attempt number),
 * their metric points, and what the `started` event says about the device and the data. The supervisor feeds it
 * live from a trainer process; the cluster importer feeds it the lines of an events.jsonl. Writes are batched.
 */
export class AttemptRecorder {
  private points: MetricPoint[] = [];
  private events: { seq: number; type: string; body: unknown }[] = [];

  /** `prepare` turns the trainer's event into the one kept and shown (file names, local paths). */
  constructor(
    private readonly runs: RunTable,
    private readonly runId: string,
    readonly attempt: number,
    private readonly prepare: (event: TrainerEvent) => TrainerEvent,
  ) {}

  /** Queues one event (written at the next flush, or now when many are queued) and returns it as prepared. */
  record(raw: TrainerEvent): TrainerEvent {
    const event = this.prepare(raw);
    this.events.push({ seq: event.seq, type: event.type, body: event });
    this.points.push(...metricPointsOf(event));
    if (event.type === 'started') {
      this.runs.setDevice(this.runId, event.device_name, event.precision);
      // Kept in the record so the Run screen can say how big each split was after a reload, not only live.
      const { train_rows, val_rows, test_rows, total_steps, world_size, num_nodes, strategy, effective_batch_size } = event;
      this.runs.mergeDetails(this.runId, { data: { train_rows, val_rows, test_rows, total_steps, world_size, num_nodes, strategy, effective_batch_size } });
    }
    if (this.points.length >= 500) this.flush();
    return event;
  }

  /** Writes what is queued. */
  flush(): void {
    this.runs.addMetrics(this.runId, this.points);
    this.runs.addEvents(this.runId, this.attempt, this.events);
    this.points = [];
    this.events = [];
  }
}

/** The outcome an attempt's terminal event (`finished` or `error`, already prepared) reports; null when there is none. */
export function outcomeOfTerminal(last: TrainerEvent | null, stderrTail: string | null): RunOutcome | null {
  if (last?.type === 'finished') {
    return { status: last.status, metrics: last.metrics, details: last.details, modelDir: last.model_dir, durationS: last.duration_s, stderrTail };
  }
  if (last?.type === 'error') {
    const error: AirlockErrorShape = { code: last.code, message: last.message };
    if (last.hint) error.hint = last.hint;
    if (last.field) error.field = last.field;
    if (last.details.length) error.details = last.details;
    return { status: 'failed', error, stderrTail };
  }
  return null;
}
