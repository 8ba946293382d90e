/** One forward-only progress bar for a whole run: reading → tokenizing → loading → training → scoring → saving. */
import type { TrainerEvent } from '../../../schemas/events.ts';

type ProgressStage = Extract<TrainerEvent, { type: 'progress' }>['stage'];

/** The stages a training run goes through, in order, with the share of the bar each gets. */
export const RUN_PHASES = [
  { id: 'reading', label: 'Reading the data', weight: 0.05 },
  { id: 'tokenizing', label: 'Tokenizing', weight: 0.1 },
  { id: 'loading', label: 'Loading the model', weight: 0.05 },
  { id: 'training', label: 'Training', weight: 0.7 },
  { id: 'scoring', label: 'Scoring', weight: 0.05 },
  { id: 'saving', label: 'Saving', weight: 0.05 },
] as const;
export type RunPhase = (typeof RUN_PHASES)[number]['id'];

const PHASE_OF_STAGE: Partial<Record<ProgressStage, RunPhase>> = {
  loading_data: 'reading',
  tokenizing: 'tokenizing',
  loading_model: 'loading',
  validating: 'scoring',
  testing: 'scoring',
  saving: 'saving',
};

/** Where a run is: its phase and the share of the whole run done (0–1), which only grows within an attempt. */
export interface RunProgress {
  phase: RunPhase;
  overall: number;
}

/** The phase a trainer event reports, and how far into that phase (0–1), or null for events that say nothing about it. */
export function phaseOf(event: TrainerEvent): { phase: RunPhase; fraction: number } | null {
  if (event.type === 'step') return { phase: 'training', fraction: event.total_steps > 0 ? event.step / event.total_steps : 0 };
  if (event.type === 'started') return { phase: 'training', fraction: 0 };
  if (event.type === 'progress') {
    const phase = PHASE_OF_STAGE[event.stage];
    return phase ? { phase, fraction: event.fraction ?? 0 } : null;
  }
  return null;
}

const indexOf = (phase: RunPhase) => RUN_PHASES.findIndex((entry) => entry.id === phase);

/**
 * The progress after an event: never behind what was shown before. A stage that starts over at 0 (a second split,
 * a new step counter) or reports an earlier phase does not move the bar back.
 */
export function advance(previous: RunProgress | null, event: TrainerEvent): RunProgress | null {
  const reported = phaseOf(event);
  if (!reported) return previous;
  const index = indexOf(reported.phase);
  const start = RUN_PHASES.slice(0, index).reduce((sum, entry) => sum + entry.weight, 0);
  const overall = start + RUN_PHASES[index].weight * Math.min(1, Math.max(0, reported.fraction));
  if (!previous) return { phase: reported.phase, overall };
  const forward = index >= indexOf(previous.phase);
  return { phase: forward ? reported.phase : previous.phase, overall: Math.max(previous.overall, overall) };
}

/** The label of a phase ("Tokenizing"). */
export function phaseLabel(phase: RunPhase): string {
  return RUN_PHASES[indexOf(phase)].label;
}
