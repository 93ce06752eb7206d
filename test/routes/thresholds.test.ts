import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { computeThresholds } from '../../src/endpoints/thresholds.js';
import { catalogueObjective } from '../../src/metrics/thresholds.js';
import { ThresholdsRequest } from '../../src/schemas/thresholds.js';
import { thresholdsSvg } from '../../src/plots/thresholds-svg.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * POST /v1/thresholds (DECISIONS.md): properties checked by brute force, each candidate's counts
 * from its own pass over the rows (`score >= t`) and its objective from the catalogue metric's
 * `compute`, independently of the sort-and-sweep the answer comes from.
 */

type Row = [score: number, label: number, weight: number];

const rowsArb = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 20 }).map((k) => k / 20),
    fc.integer({ min: 0, max: 1 }),
    fc.constantFrom(0, 0.5, 1, 1, 1, 2.25),
  ),
  { minLength: 1, maxLength: 40 },
);

function countsAt(rows: readonly Row[], t: number) {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (const [s, y, w] of rows) {
    if (s >= t && y) tp += w;
    else if (s >= t) fp += w;
    else if (y) fn += w;
    else tn += w;
  }
  return { tp, fp, tn, fn };
}

const request = (rows: readonly Row[], extra: Record<string, unknown>) =>
  ThresholdsRequest.parse({ preds: rows.map((r) => r[0]), labels: rows.map((r) => r[1]), sample_weight: rows.map((r) => r[2]), task: 'binary', ...extra });

const objectives: Array<{ objective: unknown; value: (c: ReturnType<typeof countsAt>) => number | null }> = [
  { objective: 'f1_score', value: (c) => catalogueObjective('f1_score', {}, 'o', true)(c.tp, c.fp, c.tn, c.fn) },
  { objective: 'balanced_accuracy', value: (c) => catalogueObjective('balanced_accuracy', {}, 'o', true)(c.tp, c.fp, c.tn, c.fn) },
  { objective: 'matthews_corrcoef', value: (c) => catalogueObjective('matthews_corrcoef', {}, 'o', true)(c.tp, c.fp, c.tn, c.fn) },
  { objective: { name: 'fbeta_score', beta: 2 }, value: (c) => catalogueObjective('fbeta_score', { beta: 2 }, 'o', true)(c.tp, c.fp, c.tn, c.fn) },
  { objective: { gain: { tp: 1, fp: -0.5, tn: 0, fn: -2 } }, value: (c) => c.tp - 0.5 * c.fp - 2 * c.fn },
];

describe('the tuned threshold is the best candidate (brute force)', () => {
  for (const { objective, value } of objectives) {
    it(`${JSON.stringify(objective)}: no candidate beats it, and no lower threshold equals it`, () => {
      fc.assert(
        fc.property(rowsArb, fc.constantFrom<null | number | number[]>(null, 7, [0.9, 0.1, 0.5, 0.25]), (rows, thresholds) => {
          const answer = computeThresholds(request(rows, { objective, thresholds, return_curve: true })) as {
            threshold: number | null; objective: number | null; counts: ReturnType<typeof countsAt> | null; curve: { thresholds: number[]; objective: Array<number | null> };
          };
          const candidates = answer.curve.thresholds;
          if (thresholds === null) {
            // Exact: the distinct scores of the rows that weigh, decreasing.
            const distinct = [...new Set(rows.filter((r) => r[2] > 0).map((r) => r[0]))].sort((a, b) => b - a);
            expect(candidates).toEqual(distinct);
          }
          const values = candidates.map((t) => value(countsAt(rows, t)));
          const defined = values.filter((v): v is number => v !== null);
          if (defined.length === 0) {
            expect(answer.threshold).toBeNull();
            return;
          }
          const best = Math.max(...defined);
          expect(answer.objective).not.toBeNull();
          expect(answer.objective!).toBeGreaterThanOrEqual(best - 1e-12);
          expect(answer.objective!).toBeCloseTo(value(countsAt(rows, answer.threshold!))!, 12);
          expect(answer.counts).toEqual(countsAt(rows, answer.threshold!));
          // The curve is the brute force's, to rounding; the lowest threshold among the curve's own
          // maxima is the answer (two values one rounding apart are a tie for the brute force, not
          // for the answer: the brute force adds in another order).
          answer.curve.objective.forEach((v, k) => (v === null ? expect(values[k]).toBeNull() : expect(v).toBeCloseTo(values[k]!, 12)));
          const top = Math.max(...answer.curve.objective.filter((v): v is number => v !== null));
          expect(answer.objective).toBe(top);
          const lowestBest = Math.min(...candidates.filter((_, k) => answer.curve.objective[k] === top));
          expect(answer.threshold).toBe(lowestBest);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('an exact tuning without its curve chooses as the curve does', () => {
  // Without return_curve, exact tuning walks the sorted scores once and makes no curve; with it,
  // the choice is read from the curve. Both answers must be the same, warnings included.
  it('on weighted rows, every objective, with and without a constraint', () => {
    const objectiveArb = fc.constantFrom<unknown>(...objectives.map((o) => o.objective), 'precision', 'cohen_kappa');
    const constraintArb = fc.option(fc.record({ metric: fc.constantFrom('precision', 'recall', 'specificity', 'negative_predictive_value'), min: fc.constantFrom(0.2, 0.5, 0.8, 1) }), { nil: undefined });
    fc.assert(
      fc.property(rowsArb, objectiveArb, constraintArb, fc.boolean(), (rows, objective, constraint, weighted) => {
        const body = (extra: Record<string, unknown>) => {
          const r = request(rows, { objective, ...(constraint ? { constraint } : {}), ...extra });
          return weighted ? r : { ...r, sample_weight: undefined };
        };
        const { curve, ...fromCurve } = computeThresholds(body({ return_curve: true })) as Record<string, unknown>;
        expect(curve).toBeDefined();
        expect(computeThresholds(body({}))).toEqual(fromCurve);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a constraint is met by the answer, or by no candidate at all (null)', () => {
  for (const metric of ['precision', 'recall', 'specificity', 'negative_predictive_value'] as const) {
    it(`f1_score subject to ${metric} >= min`, () => {
      fc.assert(
        fc.property(rowsArb, fc.constantFrom(0.3, 0.6, 0.9), (rows, min) => {
          const answer = computeThresholds(request(rows, { objective: 'f1_score', constraint: { metric, min }, return_curve: true })) as {
            threshold: number | null; warnings: string[]; curve: { thresholds: number[] };
          };
          const bound = (t: number) => {
            const c = countsAt(rows, t);
            return catalogueObjective(metric, {}, 'c', true)(c.tp, c.fp, c.tn, c.fn) ?? -Infinity;
          };
          if (answer.threshold === null) {
            for (const t of answer.curve.thresholds) expect(bound(t)).toBeLessThan(min);
            if (answer.curve.thresholds.length > 0) expect(answer.warnings.join(' ')).toContain(`${metric} >= ${min}`);
          } else expect(bound(answer.threshold)).toBeGreaterThanOrEqual(min);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('the direct formulas equal the metrics\' compute', () => {
  const count = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
  const cases: Array<[string, Record<string, unknown>]> = [
    ['f1_score', {}],
    ['f1_score', { zero_division: 1 }],
    ['f1_score', { zero_division: 'nan' }],
    ['fbeta_score', { beta: 0.5 }],
    ['fbeta_score', { beta: 3, zero_division: 1 }],
    ['precision', {}],
    ['precision', { zero_division: 'nan' }],
    ['recall', { zero_division: 1 }],
    ['matthews_corrcoef', {}],
    ['matthews_corrcoef', { degenerate: 'zero' }],
  ];
  it.each(cases)('%s %j', (name, options) => {
    const fast = catalogueObjective(name, options, 'objective');
    const slow = catalogueObjective(name, options, 'objective', true);
    fc.assert(
      fc.property(count, count, count, count, (tp, fp, tn, fn) => {
        expect(fast(tp, fp, tn, fn)).toBe(slow(tp, fp, tn, fn));
      }),
      { numRuns: 300 },
    );
  });
});

describe('POST /v1/thresholds', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/thresholds', payload: payload as object });
  const base = { preds: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] };

  const expectField = async (payload: unknown, path: string) => {
    const answer = await post(payload);
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.json().errors[0].path).toBe(path);
  };

  it('refuses a multiclass batch naming task (or preds when inferred)', async () => {
    const mc = { preds: [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]], labels: [0, 1], objective: 'f1_score' };
    await expectField(mc, 'preds');
    await expectField({ ...mc, task: 'multiclass' }, 'task');
  });

  it('names the objective option at fault: a threshold (what is tuned), an unknown one, a missing beta', async () => {
    await expectField({ ...base, objective: { name: 'f1_score', threshold: 0.3 } }, 'objective/threshold');
    await expectField({ ...base, objective: { name: 'f1_score', average: 'micro' } }, 'objective/average');
    await expectField({ ...base, objective: { name: 'fbeta_score' } }, 'objective/beta');
    await expectField({ ...base, objective: 'auroc' }, 'objective');
  });

  it('answers null with a warning for a batch with nothing to tune (every row ignored)', async () => {
    const answer = await post({ ...base, labels: [-1, -1, -1, -1], ignore_index: -1, objective: 'f1_score', thresholds: 5 });
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json();
    expect(body.threshold).toBeNull();
    expect(body.objective).toBeNull();
    expect(body.warnings.join(' ')).toContain('no threshold to tune');
  });

  it('tunes each label of a multilabel batch on its own, leaving out ignored entries', async () => {
    const preds = [[0.9, 0.2], [0.8, 0.7], [0.3, 0.6], [0.1, 0.4]];
    const labels = [[1, -1], [1, 1], [0, 1], [0, 0]];
    const answer = await post({ preds, labels, ignore_index: -1, objective: 'f1_score', return_curve: true });
    expect(answer.statusCode, answer.body).toBe(200);
    const [first, second] = answer.json().per_label;
    // Label 0: 0.8 separates the classes; label 1: 0.6 does, its ignored 0.2 no threshold.
    expect(first).toMatchObject({ threshold: 0.8, objective: 1, counts: { tp: 2, fp: 0, tn: 2, fn: 0 } });
    expect(second).toMatchObject({ threshold: 0.6, objective: 1, counts: { tp: 2, fp: 0, tn: 1, fn: 0 } });
    expect(second.curve.thresholds).toEqual([0.7, 0.6, 0.4]);
  });
});

describe.each(bodyPaths)('POST /v1/thresholds as SVG ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = (payload: unknown, accept?: string) =>
    app.inject({ method: 'POST', url: '/v1/thresholds', payload: payload as object, headers: accept === undefined ? {} : { accept } });
  const parse = (svg: string) => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg).svg;
    const all = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    return { polylines: all<Record<string, string>>(doc.polyline), markers: all<Record<string, string>>(doc.circle).filter((c) => c['data-marker'] !== undefined) };
  };
  const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.55, 0.3], labels: [0, 0, 1, 1, 1, 0, 0, 1], objective: 'f1_score' };

  it('draws the objective by threshold with the JSON answer\'s threshold marked, without return_curve', async () => {
    const json = (await post(binary)).json();
    expect(json.curve).toBeUndefined();
    const answer = await post(binary, 'image/svg+xml');
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    const { polylines, markers } = parse(answer.body);
    expect(polylines).toHaveLength(1);
    // Every distinct score is a point of the line: eight of them.
    expect(polylines[0].points.split(' ')).toHaveLength(8);
    expect(markers).toHaveLength(1);
    expect(Number(markers[0]['data-threshold'])).toBe(json.threshold);
    expect(Number(markers[0]['data-objective'])).toBe(json.objective);
  });

  it('draws one polyline per label of a multilabel batch, each label\'s threshold marked', async () => {
    const preds = binary.preds.map((p, i) => [p, 1 - p, ((i * 3) % 8) / 8]);
    const labels = binary.labels.map((y, i) => [y, 1 - y, i % 2]);
    const body = { preds, labels, objective: { gain: { tp: 2, fp: -1, tn: 0, fn: -3 } }, thresholds: 9 };
    const json = (await post(body)).json();
    const { polylines, markers } = parse((await post(body, 'image/svg+xml')).body);
    expect(polylines.map((p) => p['data-series'])).toEqual(['0', '1', '2']);
    for (const p of polylines) expect(p.points.split(' ')).toHaveLength(9);
    expect(markers.map((m) => Number(m['data-label']))).toEqual([0, 1, 2]);
    expect(markers.map((m) => Number(m['data-threshold']))).toEqual(json.per_label.map((l: { threshold: number }) => l.threshold));
    expect(markers.map((m) => Number(m['data-objective']))).toEqual(json.per_label.map((l: { objective: number }) => l.objective));
  });

  it('leaves out the thresholds where the objective is undefined (null in the curve)', async () => {
    // Precision with zero_division nan is undefined above the highest score (nothing predicted positive).
    const body = { ...binary, objective: { name: 'precision', zero_division: 'nan' }, thresholds: [0.05, 0.3, 0.9, 0.95, 0.5, 0.7], return_curve: true };
    const json = (await post(body)).json();
    expect(json.curve.objective.filter((v: number | null) => v === null)).toHaveLength(2);
    const { polylines, markers } = parse((await post(body, 'image/svg+xml')).body);
    expect(polylines).toHaveLength(1);
    expect(polylines[0].points.split(' ')).toHaveLength(4);
    expect(Number(markers[0]['data-threshold'])).toBe(json.threshold);
  });

  it('breaks a line at an undefined value inside it: one polyline per defined run, of the same label', () => {
    const curve = { thresholds: [0.5, 0.4, 0.3, 0.2, 0.1], objective: [0.4, 0.5, null, 0.3, 0.2] };
    const svg = thresholdsSvg({ threshold: 0.4, objective: 0.5, counts: { tp: 1, fp: 0, tn: 1, fn: 1 }, curve, warnings: [], input: 'probs' });
    const { polylines, markers } = parse(svg);
    expect(polylines.map((p) => [p['data-series'], p.points.split(' ').length])).toEqual([['0', 2], ['0', 2]]);
    expect(markers.map((m) => Number(m['data-threshold']))).toEqual([0.4]);
  });

  it('negotiates as the other drawn answers: JSON by default and for */*, 406 for a type it does not draw', async () => {
    expect((await post(binary)).headers['content-type']).toMatch(/^application\/json/);
    expect((await post(binary, '*/*')).headers['content-type']).toMatch(/^application\/json/);
    expect((await post(binary, 'image/svg+xml, application/json;q=0.5')).headers['content-type']).toMatch(/^image\/svg\+xml/);
    for (const accept of ['text/plain', 'image/png']) {
      const answer = await post(binary, accept);
      expect(answer.statusCode, accept).toBe(406);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Bad input is still a 400 naming the field, whatever was accepted.
    const bad = await post({ ...binary, objective: 'auroc' }, 'image/svg+xml');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('objective');
  });
});
