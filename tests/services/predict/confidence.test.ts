import { describe, expect, it } from 'vitest';
import { confidenceOf, ranked } from '../../../electron/services/predict/confidence.ts';

const single = 'single_label_classification';

describe('how sure a prediction is', () => {
  it('ranks a score table, most likely first', () => {
    expect(ranked({ a: 0.2, b: 0.5, c: 0.3 }).map((entry) => entry.label)).toEqual(['b', 'c', 'a']);
  });

  it('calls a top label less than 10 points ahead of the runner-up unclear, naming both', () => {
    const verdict = confidenceOf(single, ranked({ billing: 0.48, login: 0.41, bug: 0.11 }), 3);
    expect(verdict.low).toBe(true);
    expect(verdict.note).toBe('Not a clear answer: "billing" (48.0%) is barely more likely than "login" (41.0%).');
  });

  it('calls a top label near a random guess (1/N) unclear even with a margin', () => {
    // The example: "billing — 26.4%" with 4 labels.
    const verdict = confidenceOf(single, [{ label: 'billing', probability: 0.3 }, { label: 'bug', probability: 0.19 }], 4);
    expect(verdict).toEqual({ low: true, note: 'Not a clear answer: with 4 labels a random guess gives each 25.0%, and "billing" has only 30.0%.' });
  });

  it('says nothing about a clear answer', () => {
    expect(confidenceOf(single, ranked({ billing: 0.9, login: 0.05, bug: 0.05 }), 3)).toEqual({ low: false });
  });

  it('multi-label: flags labels near the 50% cut-off; regression: never flagged', () => {
    const verdict = confidenceOf('multi_label_classification', ranked({ urgent: 0.55, refund: 0.97, spam: 0.02 }), 3);
    expect(verdict).toEqual({ low: true, note: 'Close to the 50% cut-off, so it could go either way: "urgent" (55.0%).' });
    expect(confidenceOf('multi_label_classification', ranked({ urgent: 0.9, spam: 0.02 }), 2).low).toBe(false);
    expect(confidenceOf('regression', [], 1)).toEqual({ low: false });
  });
});
