import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrainingProgress } from '../../electron/cli/progress.ts';
import type { TrainerEvent } from '../../schemas/events.ts';

// What `airlock train` prints when a run starts: the device line, and for more than one process how the work is split.
describe('the CLI progress of a run on several processes', () => {
  let written = '';
  const write = process.stderr.write.bind(process.stderr);
  beforeEach(() => {
    written = '';
    process.stderr.write = ((chunk: string) => {
      written += chunk;
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
  });

  const started = (world: Record<string, unknown>) =>
    ({ v: 1, type: 'started', run_id: 'r', seq: 0, ts: new Date(0).toISOString(), accelerator: 'cpu', devices: 2, device_name: 'CPU', precision: '32-true', labels: ['a', 'b'], train_rows: 80, val_rows: 20, test_rows: 0, total_steps: 10, resumed_from: null, ...world }) as TrainerEvent;

  it('says the world size, the nodes, the strategy and the effective batch size', () => {
    new TrainingProgress().onEvent(started({ world_size: 4, num_nodes: 2, strategy: 'ddp', effective_batch_size: 64 }));
    expect(written).toContain('Training on CPU (32-true)');
    expect(written).toContain('4 processes (2 nodes × 2), strategy ddp, effective batch size 64');
  });

  it('says nothing more for one process', () => {
    new TrainingProgress().onEvent(started({ world_size: 1, num_nodes: 1, strategy: 'single_device', effective_batch_size: 8 }));
    expect(written).not.toContain('processes');
  });
});
