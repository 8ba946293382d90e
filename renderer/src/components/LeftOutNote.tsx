import type { Run } from '../../../schemas/run.ts';

/** Validation or test rows the trainer left out because their label never occurs in the training data. */
export function LeftOutNote({ run }: { run: Run }) {
  const leftOut = run.details.left_out_rows;
  if (!leftOut || typeof leftOut !== 'object') return null;
  const entries = Object.entries(leftOut as Record<string, unknown>).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0);
  if (entries.length === 0) return null;
  return (
    <div className="alert warning" role="note" aria-label="Rows left out">
      {entries.map(([split, rows]) => (
        <p key={split} style={{ margin: '0 0 4px' }}>
          {rows} {split} row{rows === 1 ? ' was' : 's were'} left out of the scores: {rows === 1 ? 'its label never occurs' : 'their labels never occur'} in the training data.
        </p>
      ))}
    </div>
  );
}
