import type { RunStatus } from '../../../schemas/run.ts';

/** A run's status as a coloured badge (the word is always shown, colour is only a cue). */
export function StatusBadge({ status }: { status: RunStatus }) {
  return <span className={`badge ${status}`}>{status}</span>;
}
