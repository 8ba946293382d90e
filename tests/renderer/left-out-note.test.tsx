// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { LeftOutNote } from '../../renderer/src/components/LeftOutNote.tsx';
import type { Run } from '../../schemas/run.ts';

afterEach(cleanup);

const run = (details: Record<string, unknown>) => ({ details }) as unknown as Run;

describe('rows left out of the scores', () => {
  it('says how many test rows were left out and why', () => {
    render(<LeftOutNote run={run({ left_out_rows: { test: 3, validation: 1 } })} />);
    const note = screen.getByRole('note', { name: 'Rows left out' }).textContent;
    expect(note).toContain('3 test rows were left out of the scores: their labels never occur in the training data.');
    expect(note).toContain('1 validation row was left out of the scores: its label never occurs');
  });

  it('says nothing when no row was left out, or for runs recorded before it was reported', () => {
    const { container } = render(<LeftOutNote run={run({ left_out_rows: {} })} />);
    render(<LeftOutNote run={run({})} />);
    expect(container.textContent).toBe('');
    expect(screen.queryByRole('note')).toBeNull();
  });
});
