import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf, formatMetricBatch } from '../../src/batch/batch.js';
import { evaluateMetrics } from '../../src/metrics/evaluate.js';

/**
 * The operating points answer a threshold that really reaches them: deciding `score >= threshold`
 * on the same batch gives the value answered, with the other rate at its minimum or above, and
 * no threshold of the batch does better (torchmetrics' definition, checked by brute force).
 */
const batchArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 })
  .filter((rows) => rows.some(([, y]) => y === 1) && rows.some(([, y]) => y === 0));

function rates(rows: Array<[number, number]>, t: number) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (const [s, y] of rows) {
    if (s >= t && y) tp++;
    else if (s >= t) fp++;
    else if (y) fn++;
    else tn++;
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : NaN, recall: tp / (tp + fn), specificity: tn / (tn + fp) };
}

const cases = [
  { name: 'precision_at_fixed_recall', option: 'min_recall', value: 'precision', other: 'recall', roc: false },
  { name: 'recall_at_fixed_precision', option: 'min_precision', value: 'recall', other: 'precision', roc: false },
  { name: 'sensitivity_at_specificity', option: 'min_specificity', value: 'recall', other: 'specificity', roc: true },
  { name: 'specificity_at_sensitivity', option: 'min_sensitivity', value: 'specificity', other: 'recall', roc: true },
] as const;

describe.each(cases)('$name', ({ name, option, value, other, roc }) => {
  it('answers a threshold reaching the value, and no threshold of the batch does better', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(0, 0.3, 0.5, 0.8, 1), (rows, minimum) => {
        const batch = formatMetricBatch({ preds: rows.map(([s]) => s), labels: rows.map(([, y]) => y), task: 'binary', input: 'probs' });
        const entry = evaluateMetrics([{ name, [option]: minimum }], batch, configOf(batch))[name];
        const points = [...new Set(rows.map(([s]) => s))].map((t) => rates(rows, t));
        // The exact ROC starts at the origin (nothing predicted), torchmetrics' threshold 1.
        const origin = { precision: NaN, recall: 0, specificity: 1 };
        if (roc) points.push(origin);
        const candidates = points.filter((r) => r[other] >= minimum && !Number.isNaN(r[value]));
        const best = Math.max(...candidates.map((r) => r[value]));
        if (entry[name] === null) {
          // Unreached: no candidate, or the best is 0 (torchmetrics' NaN threshold) / only the origin.
          expect(candidates.length === 0 || best === 0).toBe(true);
          return;
        }
        // Threshold 1 may also stand for the origin.
        const reached = [rates(rows, entry.threshold as number), ...(roc && entry.threshold === 1 ? [origin] : [])];
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12;
        expect(reached.some((at) => close(at[value], entry[name] as number) && at[other] >= minimum - 1e-12)).toBe(true);
        expect(entry[name]).toBeCloseTo(best, 12);
      }),
      { numRuns: 300 },
    );
  });
});
