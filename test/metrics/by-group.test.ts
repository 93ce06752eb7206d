import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf } from '../../src/batch/batch.js';
import { evaluateMetrics, type MetricRequest } from '../../src/metrics/evaluate.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import { close } from '../support/close.js';
import { baseShapes, batchOf, optionChoices, optionsOf, rowsArb, type Rows, type Shape } from '../support/metric-batches.js';

/**
 * fairlearn's `MetricFrame` as a property, on every metric of the registry: with `by_group`, group
 * g's entry is exactly what the metric answers for group g's rows alone (null when none is kept:
 * ignored rows leave their group), and the overall entry is the metric's answer without groups.
 */

const GROUPS = 3;
const fairness = new Set(['demographic_parity', 'equal_opportunity', 'groups_stat_rates']);
const shapes: Shape[] = ([...baseShapes, { task: 'multiclass', classes: 3, ignore: true, input: 'probs', indices: false, weighted: true }] as Shape[]).map((s) => ({ ...s, groups: GROUPS }));

const cases = metricDefinitions
  .filter((d) => !fairness.has(d.name))
  .flatMap((d) => shapes.filter((s) => d.tasks.includes(s.task) && !(s.indices && d.needsScores)).map((shape) => ({ name: d.name, shape, label: `${d.name}, ${shape.task}${shape.indices ? ' class indices' : ''}${shape.ignore ? ', ignore_index' : ''}${shape.weighted ? ', sample_weight' : ''}` })));

/** Group g's rows, in order. */
const rowsOfGroup = (rows: Rows, g: number): Rows => {
  const keep = (_: unknown, i: number) => rows.groups![i] === g;
  return { preds: rows.preds.filter(keep), labels: rows.labels.filter(keep), ...(rows.weights ? { weights: rows.weights.filter(keep) } : {}) };
};

/** A row is kept unless its label is ignore_index (-1); a multilabel row always is. */
const kept = (shape: Shape, label: unknown) => shape.task === 'multilabel' || label !== -1;

describe('by_group answers each group as the metric answers its rows alone', () => {
  it('covers every metric but the fairness ones', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(metricDefinitions.filter((d) => !fairness.has(d.name)).map((d) => d.name)));
  });

  it.each(cases)('$label', ({ name, shape }) => {
    const arb = fc.integer({ min: 1, max: 14 }).chain((n) => fc.tuple(rowsArb(shape, n), optionsOf(name, shape.task, optionChoices(name, shape.classes))));
    fc.assert(
      fc.property(arb, ([rows, options]) => {
        if (options.multi_class === 'ovo') options = { ...options, multi_class: 'ovr' };
        const plain = { name, ...options } as Exclude<MetricRequest, string>;
        const grouped = batchOf(shape, rows);
        const ungrouped = batchOf({ ...shape, groups: undefined }, rows);
        let answer: Record<string, unknown> & { by_group: unknown[] };
        try {
          answer = evaluateMetrics([{ ...plain, by_group: true } as MetricRequest], grouped, configOf(grouped))[name] as unknown as typeof answer;
        } catch {
          return true; // an option combination the task refuses: a 400, not a state
        }
        const { by_group: byGroup, group_rows: groupRows, group_min: _min, group_max: _max, difference: _d, ratio: _r, ...overall } = answer;
        const alone = evaluateMetrics([plain], ungrouped, configOf(ungrouped))[name];
        expect(close({ ...overall, warnings: [] }, { ...alone, warnings: [] })).toBeNull();
        expect(byGroup).toHaveLength(GROUPS);
        for (let g = 0; g < GROUPS; g++) {
          const mine = rowsOfGroup(rows, g);
          expect((groupRows as number[])[g]).toBe(mine.labels.filter((y) => kept(shape, y)).length);
          if (!mine.labels.some((y) => kept(shape, y))) {
            expect(byGroup[g]).toBeNull();
            continue;
          }
          const group = batchOf({ ...shape, groups: undefined }, mine);
          expect(close(byGroup[g], evaluateMetrics([plain], group, configOf(group))[name]), `group ${g}`).toBeNull();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('the fairness metrics weigh rows by sample_weight', () => {
  const shape: Shape = { task: 'binary', classes: 1, ignore: true, input: 'probs', indices: false, groups: GROUPS };
  it.each(['demographic_parity', 'equal_opportunity', 'groups_stat_rates'])('%s: integer weights equal repeated rows', (name) => {
    const arb = fc.integer({ min: 1, max: 14 }).chain((n) => fc.tuple(rowsArb(shape, n), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n })));
    fc.assert(
      fc.property(arb, ([rows, counts]) => {
        const weighted = batchOf(shape, rows, counts);
        const repeat = <T>(values: readonly T[]) => values.flatMap((v, i) => Array.from({ length: counts[i] }, () => v));
        const repeated = { preds: repeat(rows.preds), labels: repeat(rows.labels), groups: repeat(rows.groups!) };
        if (repeated.labels.length === 0) return true;
        const plain = batchOf(shape, repeated, undefined);
        const [a, b] = [weighted, plain].map((batch) => evaluateMetrics([name], batch, configOf(batch))[name]);
        expect(close({ ...a, warnings: [] }, { ...b, warnings: [] })).toBeNull();
      }),
      { numRuns: 50 },
    );
  });
});
