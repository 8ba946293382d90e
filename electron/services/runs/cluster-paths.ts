import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { TrainerEvent } from '../../../schemas/events.ts';

/**
 * A function that maps a path the trainer wrote on the cluster (`/scratch/job/out/checkpoints/last.ckpt`) to the
 * same file in the imported copy (`<runDir>/checkpoints/last.ckpt`): the longest tail of the path that exists in the
 * copy (looked up in `copy`, named under `runDir`). Other texts come back unchanged.
 */
export function runPathRewriter(copy: string, runDir: string): (path: string) => string {
  return (path) => {
    if (!isAbsolute(path) && !/^[A-Za-z]:[\\/]/.test(path)) return path;
    const parts = path.split(/[\\/]+/).filter(Boolean);
    for (let start = 0; start < parts.length; start++) {
      const tail = parts.slice(start).join('/');
      if (existsSync(join(copy, tail))) return join(runDir, tail);
    }
    return path;
  };
}

/** The event with the run-folder paths it carries (checkpoints, the model, a resume's checkpoint) made local. */
export function withLocalPaths(event: TrainerEvent, toLocal: (path: string) => string): TrainerEvent {
  if (event.type === 'checkpoint') return { ...event, path: toLocal(event.path) };
  if (event.type === 'started') return { ...event, resumed_from: event.resumed_from === null ? null : toLocal(event.resumed_from) };
  if (event.type === 'finished') {
    const details = Object.fromEntries(Object.entries(event.details).map(([key, value]) => [key, typeof value === 'string' ? toLocal(value) : value]));
    return { ...event, model_dir: event.model_dir === null ? null : toLocal(event.model_dir), details };
  }
  return event;
}
