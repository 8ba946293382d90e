import { basename } from 'node:path';
import type { TrainerEvent } from '../../../schemas/events.ts';

/**
 * The files a run's trainer reads (`<home>/datasets/<id>/original.csv`) by the names their users know them by
 * (the dataset's name). The trainer only sees the internal copies, so its messages name them; the supervisor
 * rewrites those messages before anyone reads them.
 */
export type FileNames = Record<string, string>;

/** A function that replaces internal file paths and names in a text by the dataset names. */
export function fileNameRewriter(names: FileNames): (text: string) => string {
  const pairs: [string, string][] = [];
  const byBase = new Map<string, Set<string>>();
  for (const [path, name] of Object.entries(names)) {
    pairs.push([path, name]);
    const base = basename(path);
    byBase.set(base, (byBase.get(base) ?? new Set()).add(name));
  }
  // A bare file name is rewritten only when it stands for one dataset: two datasets both read from original.csv stay as they are.
  for (const [base, shown] of byBase) if (shown.size === 1) pairs.push([base, [...shown][0]]);
  pairs.sort((a, b) => b[0].length - a[0].length); // whole paths before the file names inside them
  return (text) => pairs.reduce((result, [from, to]) => result.split(from).join(to), text);
}

/** The event with its user-facing texts (progress and error messages) naming the user's datasets. */
export function withFileNames(event: TrainerEvent, rewrite: (text: string) => string): TrainerEvent {
  if (event.type === 'progress') return { ...event, message: rewrite(event.message) };
  if (event.type === 'error') {
    return { ...event, message: rewrite(event.message), hint: event.hint === null ? null : rewrite(event.hint), details: event.details.map(rewrite) };
  }
  return event;
}
