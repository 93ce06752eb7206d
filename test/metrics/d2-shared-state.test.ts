import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf } from '../../src/batch/batch.js';
import { evaluateMetrics, initStates, resolveMetrics, type MetricRequest } from '../../src/metrics/evaluate.js';
import { batchOf, rowsArb, type Shape } from '../support/metric-batches.js';

/**
 * A D² score and its loss asked together count the loss once (issue 26): `d2_log_loss_score`'s
 * state opens with `log_loss`'s [Σ w · loss, Σ w, rows off a unit sum], `d2_brier_score`'s with
 * `brier_score`'s, so the loss reads the D² state (one compute group, one pass over the rows), and
 * every answer is what it is when asked alone (a guard: that property held before the states
 * were shared, and must still hold).
 */

const PAIRS = [
  ['log_loss', 'd2_log_loss_score'],
  ['brier_score', 'd2_brier_score'],
] as const;

const shapes: Shape[] = [
  { task: 'binary', classes: 1, ignore: true, input: 'probs', weighted: true },
  { task: 'binary', classes: 1, ignore: false, input: 'logits' },
  { task: 'multiclass', classes: 3, ignore: true, input: 'logits', weighted: true },
  { task: 'multiclass', classes: 4, ignore: false, input: 'probs', weighted: true, groups: 3 },
];

const config = (shape: Shape) => ({ task: shape.task, classes: shape.classes, ignoreIndex: shape.ignore ? -1 : null, classIndices: false, ...(shape.groups ? { groups: shape.groups } : {}) });

describe.each(PAIRS)('%s asked with %s', (loss, d2) => {
  it.each(shapes)('shares one state, $task $input', (shape) => {
    for (const byGroup of shape.groups ? [false, true] : [false]) {
      const requests: MetricRequest[] = [{ name: loss, by_group: byGroup }, { name: d2, by_group: byGroup }];
      const metrics = resolveMetrics(requests, config(shape));
      expect(metrics[0].state.key).toBe(metrics[1].state.key);
      expect(initStates(metrics).size).toBe(1);
    }
    // In either order, and with the loss asked twice under two keys.
    const reversed = resolveMetrics([d2, loss, { name: loss, key: 'again' }], config(shape));
    expect(new Set(reversed.map((m) => m.state.key)).size).toBe(1);
    // A grouped loss and an ungrouped D² count different things: two states.
    if (shape.groups) expect(initStates(resolveMetrics([{ name: loss, by_group: true }, d2], config(shape))).size).toBe(2);
  });

  it.each(shapes)('answers each as it answers alone, $task $input', (shape) => {
    const arb = fc.integer({ min: 0, max: 16 }).chain((n) => rowsArb(shape, n));
    fc.assert(
      fc.property(arb, (rows) => {
        const batch = batchOf(shape, rows);
        const by = shape.groups !== undefined;
        const both = evaluateMetrics([{ name: loss, by_group: by }, { name: d2, by_group: by }], batch, configOf(batch));
        expect(both[loss]).toEqual(evaluateMetrics([{ name: loss, by_group: by }], batch, configOf(batch))[loss]);
        expect(both[d2]).toEqual(evaluateMetrics([{ name: d2, by_group: by }], batch, configOf(batch))[d2]);
      }),
      { numRuns: 40 },
    );
  });
});
