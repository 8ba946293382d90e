/** How sure a prediction is, judged the same way for "try it" and for every row of a labelled file. */
import type { RankedLabel } from '../../../schemas/predict.ts';

/** The top label must lead the runner-up by this much (10 percentage points) to count as a clear answer. */
export const MIN_MARGIN = 0.1;
/** ...and beat a random guess among N labels (1/N) by this much. */
export const MIN_OVER_CHANCE = 0.1;
/** Multi-label: a label's probability this close to the 0.5 cut-off could go either way. */
export const CUT_OFF_BAND = 0.1;

/** What the model's head does, as the worker reports it. */
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

/** The labels of a score table, most likely first. */
export function ranked(scores: Record<string, number> | undefined): RankedLabel[] {
  return Object.entries(scores ?? {})
    .map(([label, probability]) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability);
}

function percent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/**
 * Whether a prediction is too close to call, and why in plain words. `labelCount` is how many labels
 * the model knows (the ranking may hold only the top few).
 */
export function confidenceOf(problemType: string, ranking: RankedLabel[], labelCount: number): { low: boolean; note?: string } {
  if (problemType === 'regression' || ranking.length === 0) return { low: false };
  if (problemType === 'multi_label_classification') {
    const unsure = ranking.filter((entry) => Math.abs(entry.probability - 0.5) < CUT_OFF_BAND);
    if (unsure.length === 0) return { low: false };
    const named = unsure.map((entry) => `"${entry.label}" (${percent(entry.probability)})`).join(', ');
    return { low: true, note: `Close to the 50% cut-off, so it could go either way: ${named}.` };
  }
  const [top, second] = ranking;
  if (second && top.probability - second.probability < MIN_MARGIN) {
    return {
      low: true,
      note: `Not a clear answer: "${top.label}" (${percent(top.probability)}) is barely more likely than "${second.label}" (${percent(second.probability)}).`,
    };
  }
  const chance = labelCount > 0 ? 1 / labelCount : 0;
  if (labelCount > 1 && top.probability < chance + MIN_OVER_CHANCE) {
    return {
      low: true,
      note: `Not a clear answer: with ${labelCount} labels a random guess gives each ${percent(chance)}, and "${top.label}" has only ${percent(top.probability)}.`,
    };
  }
  return { low: false };
}
