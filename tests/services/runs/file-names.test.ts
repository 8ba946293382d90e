import { describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../../schemas/events.ts';
import { fileNameRewriter, withFileNames } from '../../../electron/services/runs/file-names.ts';

const envelope = { v: 1 as const, run_id: 'r', seq: 0, ts: '2026-01-01T00:00:00Z' };

describe("the trainer's messages name the user's datasets, not the data folder's copies", () => {
  it('rewrites whole paths and bare file names in progress and error events', () => {
    const rewrite = fileNameRewriter({ '/home/a/datasets/ab12/original.csv': 'support tickets', '/home/a/datasets/cd34/original.tsv': 'held-out tickets' });
    const reading: TrainerEvent = { ...envelope, type: 'progress', stage: 'loading_data', message: 'Reading original.csv', fraction: 0 };
    expect(withFileNames(reading, rewrite)).toMatchObject({ message: 'Reading support tickets' });
    const failed: TrainerEvent = {
      ...envelope,
      type: 'error',
      code: 'DATASET_EMPTY',
      message: '/home/a/datasets/cd34/original.tsv could not be read',
      hint: 'Open original.tsv in a text editor',
      field: null,
      details: ['row 3 of original.csv'],
    };
    expect(withFileNames(failed, rewrite)).toMatchObject({ message: 'held-out tickets could not be read', hint: 'Open held-out tickets in a text editor', details: ['row 3 of support tickets'] });
  });

  it('leaves a bare file name alone when two datasets share it, and other events untouched', () => {
    const rewrite = fileNameRewriter({ '/d/1/original.csv': 'train', '/d/2/original.csv': 'test' });
    expect(rewrite('Reading original.csv')).toBe('Reading original.csv');
    expect(rewrite('Reading /d/2/original.csv')).toBe('Reading test');
    const step: TrainerEvent = { ...envelope, type: 'step', step: 1, total_steps: 2, epoch: 0, loss: 1, learning_rate: 1, samples_per_s: 1, tokens_per_s: 1 };
    expect(withFileNames(step, rewrite)).toBe(step);
  });
});
