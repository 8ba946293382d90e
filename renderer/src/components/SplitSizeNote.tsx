import type { Run, RunDataCounts } from '../../../schemas/run.ts';
import { navigate } from '../router.ts';
import { useNewRun } from '../store/new-run.ts';

/** Below this many rows, one row's answer visibly moves a score. */
export const SMALL_SPLIT_ROWS = 100;

/** The validation share that would hold at least {@link SMALL_SPLIT_ROWS} rows, rounded up to 0.05; null when even 0.45 is too few. */
export function largerValSplit(counts: RunDataCounts, current: number): number | null {
  const total = counts.train_rows + counts.val_rows;
  if (total === 0) return null;
  const wanted = Math.ceil((SMALL_SPLIT_ROWS / total) * 20) / 20;
  const share = Math.max(wanted, Math.min(0.45, current + 0.05));
  return share <= 0.45 + 1e-9 && share > current ? Number(share.toFixed(2)) : null;
}

/**
 * Says when a run's scores come from a few dozen rows: how many, that one row moves accuracy by 1/N, and how to get
 * numbers worth comparing (a larger validation split, or a test file).
 */
export function SplitSizeNote({ run, counts }: { run: Run; counts: RunDataCounts }) {
  const small = (
    [
      ['validation', 'val', counts.val_rows],
      ['test', 'test', counts.test_rows],
    ] as const
  ).filter(([, prefix, rows]) => rows > 0 && rows < SMALL_SPLIT_ROWS && Object.keys(run.metrics).some((key) => key.startsWith(`${prefix}/`)));
  if (small.length === 0) return null;
  const data = run.config?.data;
  const fromFile = Boolean(data?.val_path);
  const larger = !fromFile && data ? largerValSplit(counts, data.val_split) : null;
  const retry = (edits: Record<string, unknown>) => {
    useNewRun.getState().copyRun(run, edits);
    navigate('/new');
  };
  return (
    <div className="alert warning" role="note" aria-label="Small evaluation set">
      {small.map(([words, , rows]) => (
        <p key={words} style={{ margin: '0 0 4px' }}>
          The {words} scores come from only <strong>{rows} rows</strong>: one row more or less right moves accuracy by 1/{rows} ≈{' '}
          {((1 / rows) * 100).toFixed(1)} percentage points, so differences smaller than that between runs are chance.
        </p>
      ))}
      <p style={{ margin: 0 }}>
        For scores you can compare:{' '}
        {larger !== null && (
          <>
            <button type="button" className="link" onClick={() => retry({ 'data.val_split': larger })}>
              train again holding out {Math.round(larger * 100)}% for validation
            </button>{' '}
            (about {Math.round((counts.train_rows + counts.val_rows) * larger)} rows),{' '}
          </>
        )}
        {fromFile ? 'add rows to the validation file, ' : ''}
        or{' '}
        <button type="button" className="link" onClick={() => retry({})}>
          train again with a test file
        </button>{' '}
        (Test path, under Advanced settings) of at least {SMALL_SPLIT_ROWS} rows.
      </p>
    </div>
  );
}
