import { describe, expect, it } from 'vitest';
import { RunConfig } from '../../../schemas/config.ts';
import { jobConfig } from '../../../electron/services/cluster/job-config.ts';

describe('the config a cluster job runs', () => {
  const workstation = RunConfig.parse({
    model: { name: '/models/tiny', task: 'classification' },
    data: { train_path: '/home/a/datasets/ds-1/table.jsonl', text_column: 'text', label_column: 'label' },
    training: { accelerator: 'cpu', devices: 2, batch_size: 8, accumulate_grad_batches: 2 },
  });

  it('sets the world from the export and lets each node use its GPUs, even when the workstation config trained on CPU processes', () => {
    const config = jobConfig(workstation, 4, 8, { base: '' });
    expect(config.training).toMatchObject({ num_nodes: 4, devices: 8, accelerator: 'auto', batch_size: 8, accumulate_grad_batches: 2 });
    expect(config.model.name).toBe('model');
    expect(config.data.train_path).toBe('data/ds-1/table.jsonl');
  });

  it('names the shared file system copies with --shared-path', () => {
    const config = jobConfig(workstation, 2, 1, { base: '/shared/job/' });
    expect(config.model.name).toBe('/shared/job/model');
    expect(config.data.train_path).toBe('/shared/job/data/ds-1/table.jsonl');
  });
});
