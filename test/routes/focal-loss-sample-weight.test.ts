import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { weightFocalLoss } from '../../src/kernels/focal-loss-weighted.js';
import { FocalLossRequest } from '../../src/schemas/focal-loss.js';
import { computeFocalLoss, type FocalLossResult } from '../../src/endpoints/focal-loss.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { bodyPaths, testApp } from '../support/app.js';
import { centralDifference } from '../support/finite-difference.js';

/*
 * sample_weight on /v1/focal-loss: its properties (a weight is a repetition count; weight 0 is the
 * row removed; equal weights change no mean; grad and hess are the derivatives of the weighted
 * loss), and bad weights answered as 400 problems naming the field and index.
 */

type Task = 'multiclass' | 'binary' | 'multilabel';
type Reduction = 'mean' | 'sum' | 'none';

/** A batch by rows: multiclass logits [B, C] with labels [B], binary [B], multilabel [B, L]. */
interface Batch {
  task: Task;
  /** One entry per row: its logits (a number for binary) and its label(s). */
  rows: Array<{ preds: number | number[]; labels: number | number[] }>;
  alpha: unknown;
}

const IGNORE = -1;

/** Batches of every task, with ignored labels now and then, and every kind of alpha the task takes. */
const batches = (maxAbs = 6, minRows = 1): fc.Arbitrary<Batch> =>
  fc
    .record({ task: fc.constantFrom<Task>('multiclass', 'binary', 'multilabel'), rows: fc.integer({ min: minRows, max: 5 }), width: fc.integer({ min: 2, max: 4 }) })
    .chain(({ task, rows, width }) => {
      const logit = fc.double({ min: -maxAbs, max: maxAbs, noNaN: true });
      const bit = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: fc.constant(IGNORE) });
      type Row = Batch['rows'][number];
      const row: fc.Arbitrary<Row> =
        task === 'multiclass'
          ? fc.record({ preds: fc.array(logit, { minLength: width, maxLength: width }), labels: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: width - 1 }) }, { weight: 1, arbitrary: fc.constant(IGNORE) }) })
          : task === 'binary'
            ? fc.record({ preds: logit, labels: bit })
            : fc.record({ preds: fc.array(logit, { minLength: width, maxLength: width }), labels: fc.array(bit, { minLength: width, maxLength: width }) });
      const alphas: unknown[] =
        task === 'multiclass'
          ? [null, 0.25, Array.from({ length: width }, (_, c) => 0.3 + 0.2 * c), { effective_number: { beta: 0.9 } }]
          : task === 'binary'
            ? [null, 0.25, { effective_number: { beta: 0.9 } }]
            : [null, 0.6];
      return fc.record({ task: fc.constant(task), rows: fc.array(row, { minLength: rows, maxLength: rows }), alpha: fc.constantFrom(...alphas) });
    });

/** The request for a batch (and options), through the schema so the defaults are filled in. */
const request = (batch: Batch, options: Record<string, unknown>) =>
  FocalLossRequest.parse({
    preds: batch.rows.map((r) => r.preds),
    labels: batch.rows.map((r) => r.labels),
    task: batch.task,
    alpha: batch.alpha,
    ignore_index: IGNORE,
    return_grad: true,
    return_hess: batch.task !== 'multiclass',
    ...options,
  });

const focal = (batch: Batch, options: Record<string, unknown>): FocalLossResult => computeFocalLoss(request(batch, options));

/** Row i of a result tensor whose first axis has `rows` entries. */
const rowOf = (tensor: { data: Float64Array }, rows: number, i: number): number[] => {
  const width = tensor.data.length / rows;
  return Array.from(tensor.data.subarray(i * width, (i + 1) * width));
};

/** Equal up to float64 rounding of sums: relative 1e-9, absolute 1e-12. */
const expectClose = (got: number, want: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(got), Math.abs(want)) + 1e-12);

/** The per-row fields a result can carry: grad and hess always here, losses for none. */
const rowFields = (reduction: Reduction): Array<'grad' | 'hess' | 'losses'> => (reduction === 'none' ? ['grad', 'hess', 'losses'] : ['grad', 'hess']);

describe('sample_weight: properties of the weighted focal loss', () => {
  const reduction = fc.constantFrom<Reduction>('mean', 'sum', 'none');
  const gamma = fc.double({ min: 0, max: 3, noNaN: true });

  it('integer weights equal repeated rows: the loss, and each row\'s grad, hess and losses summed over its copies', () => {
    fc.assert(
      fc.property(batches(), gamma, reduction, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }), (batch, g, red, counts) => {
        const weights = batch.rows.map((_, i) => counts[i]);
        fc.pre(weights.some((w) => w > 0));
        const repeated: Batch = { ...batch, rows: batch.rows.flatMap((row, i) => Array<typeof row>(weights[i]).fill(row)) };
        const weighted = focal(batch, { gamma: g, reduction: red, sample_weight: weights });
        const copies = focal(repeated, { gamma: g, reduction: red });
        if (red !== 'none') expectClose(weighted.loss!, copies.loss!, 'loss');
        let copy = 0;
        batch.rows.forEach((_, i) => {
          for (const field of rowFields(red)) {
            const got = weighted[field];
            if (!got) continue;
            const want = new Array<number>(rowOf(got, batch.rows.length, i).length).fill(0);
            for (let k = 0; k < weights[i]; k++) rowOf(copies[field]!, repeated.rows.length, copy + k).forEach((v, j) => (want[j] += v));
            rowOf(got, batch.rows.length, i).forEach((v, j) => expectClose(v, want[j], `${field}/${i}/${j}`));
          }
          copy += weights[i];
        });
      }),
    );
  });

  it('weight 0 is the row removed: the same loss, the other rows\' derivatives unchanged, a zero grad row', () => {
    fc.assert(
      fc.property(
        batches(6, 2),
        gamma,
        reduction,
        fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.nat(),
        (batch, g, red, positive, at) => {
          const B = batch.rows.length;
          const k = at % B;
          const weights = batch.rows.map((_, i) => (i === k ? 0 : positive[i]));
          const without: Batch = { ...batch, rows: batch.rows.filter((_, i) => i !== k) };
          const withZero = focal(batch, { gamma: g, reduction: red, sample_weight: weights });
          const removed = focal(without, { gamma: g, reduction: red, sample_weight: weights.filter((_, i) => i !== k) });
          if (red !== 'none') expectClose(withZero.loss!, removed.loss!, 'loss');
          for (const v of rowOf(withZero.grad!, B, k)) expect(Object.is(v, 0), `grad row ${k}: ${v}`).toBe(true);
          if (red === 'none') for (const v of rowOf(withZero.losses!, B, k)) expect(Object.is(v, 0)).toBe(true);
          for (let i = 0, j = 0; i < B; i++) {
            if (i === k) continue;
            rowOf(withZero.grad!, B, i).forEach((v, c) => expectClose(v, rowOf(removed.grad!, B - 1, j)[c], `grad/${i}/${c}`));
            j++;
          }
        },
      ),
    );
  });

  // Class-balanced alpha from the batch's weighted counts is left out: equal weights c are the
  // batch repeated c times, whose counts (and so alpha) differ from the batch's own.
  const fixedAlpha = (batch: Batch) => batch.alpha === null || typeof batch.alpha !== 'object' || Array.isArray(batch.alpha);

  it('equal weights c give the unweighted mean (any c > 0, subnormal to 1e300: no overflow), and c times the sum', () => {
    fc.assert(
      fc.property(batches().filter(fixedAlpha), gamma, fc.constantFrom(5e-324, 1e-300, 1e-6, 0.5, 3.25, 1e6, 1e300), fc.constantFrom<Reduction>('mean', 'sum'), (batch, g, c, red) => {
        const weighted = focal(batch, { gamma: g, reduction: red, sample_weight: batch.rows.map(() => c) });
        const plain = focal(batch, { gamma: g, reduction: red });
        const times = red === 'mean' ? 1 : c;
        // Sums: 1e300 times a sum may overflow float64 (the route answers 400, see below), and
        // subnormal products keep too few digits to compare.
        if (red === 'sum' && (c === 1e300 || c === 5e-324)) return;
        expectClose(weighted.loss!, plain.loss! * times, 'loss');
        expect(weighted.count).toBe(plain.count);
        for (const field of ['grad', 'hess'] as const) {
          if (!plain[field]) continue;
          weighted[field]!.data.forEach((v, j) => expectClose(v, plain[field]!.data[j] * times, `${field}/${j}`));
        }
      }),
    );
  });

  it('grad is the central difference of the weighted loss, hess the central difference of grad, every reduction', () => {
    const weight = fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 4, noNaN: true }));
    fc.assert(
      fc.property(batches(4), fc.constantFrom(0, 0.5, 2), reduction, fc.array(weight, { minLength: 5, maxLength: 5 }), (batch, g, red, positive) => {
        const sample_weight = batch.rows.map((_, i) => positive[i]);
        const flat = batch.rows.flatMap((r) => r.preds);
        const width = flat.length / batch.rows.length;
        /** The result for logits `z` (flat), the batch otherwise unchanged. */
        const at = (z: Float64Array): FocalLossResult =>
          focal({ ...batch, rows: batch.rows.map((r, i) => ({ labels: r.labels, preds: batch.task === 'binary' ? z[i] : Array.from(z.subarray(i * width, (i + 1) * width)) })) }, { gamma: g, reduction: red, sample_weight });
        const reduced = (out: FocalLossResult) => (red === 'none' ? out.losses!.data.reduce((a, b) => a + b, 0) : out.loss!);
        const z = Float64Array.from(flat);
        const out = at(z);
        for (let k = 0; k < z.length; k++) {
          const fdGrad = centralDifference(z, k, (v) => reduced(at(v)));
          expect(Math.abs(out.grad!.data[k] - fdGrad), `grad/${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fdGrad)));
          if (out.hess) {
            const fdHess = centralDifference(z, k, (v) => at(v).grad!.data[k]);
            expect(Math.abs(out.hess.data[k] - fdHess), `hess/${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fdHess)));
          }
        }
      }),
    );
  });

  it('weights that sum to 0 over the contributing elements give loss 0, a zero gradient and a warning', () => {
    const out = focal({ task: 'binary', alpha: null, rows: [{ preds: 1, labels: 1 }, { preds: -2, labels: IGNORE }] }, { sample_weight: [0, 5] });
    expect(out.loss).toBe(0);
    expect(out.count).toBe(1);
    expect(Array.from(out.grad!.data)).toEqual([0, 0]);
    expect(out.warnings.join(' ')).toMatch(/sample_weight 0/);
  });

  it('class-balanced alpha from the batch with subnormal weights: a 400 naming sample_weight, not NaN', () => {
    const batch: Batch = { task: 'binary', alpha: { effective_number: { beta: 0.9 } }, rows: [{ preds: 1, labels: 1 }, { preds: -2, labels: 0 }] };
    expect(() => focal(batch, { sample_weight: [5e-324, 1] })).toThrow(/sample_weight/);
  });

  it('weightFocalLoss: losses 1 and 3 weighing 1 and 3 give the mean (1 + 9) / 4', () => {
    const out = weightFocalLoss({ loss: 4, sum: 4, count: 2, losses: Float64Array.of(1, 3), grad: null, hess: null }, Int32Array.of(0, 1), null, Float64Array.of(1, 3), 'mean', false);
    expect(out.loss).toBe(2.5);
    expect(out.sum).toBe(10);
    expect(out.weightSum).toBe(4);
  });
});

describe.each(bodyPaths)('sample_weight through the routes ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = (payload: string | Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/focal-loss', payload, headers: { 'content-type': 'application/json' } });
  const binary = { preds: [0.5, -1.2, 2.0], labels: [1, 0, 0], task: 'binary' };

  /** A 400 problem whose first error names `path`. */
  const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; body: string; json: () => { errors: Array<{ path: string }> } }, path: string) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().errors[0].path).toBe(path);
  };

  it('a negative weight', async () => expectProblem(await post({ ...binary, sample_weight: [1, -0.5, 1] }), 'sample_weight/1'));

  it('a weight of 1e999 (Infinity once parsed)', async () =>
    expectProblem(await post('{"preds": [0.5, -1.2, 2.0], "labels": [1, 0, 0], "task": "binary", "sample_weight": [1, 1, 1e999]}'), 'sample_weight/2'));

  it('a weight that is not a number', async () => expectProblem(await post({ ...binary, sample_weight: [1, 'heavy', 1] }), 'sample_weight/1'));

  it('too few weights', async () => expectProblem(await post({ ...binary, sample_weight: [1, 1] }), 'sample_weight'));

  it('multilabel [B, L] labels take [B] weights, not one per entry', async () => {
    const multilabel = { preds: [[0.5, -1], [2, 0.1]], labels: [[1, 0], [0, 1]], task: 'multilabel' };
    expectProblem(await post({ ...multilabel, sample_weight: [[1, 2], [3, 4]] }), 'sample_weight');
    const res = await post({ ...multilabel, sample_weight: [1, 2] });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('multiclass [B, N] labels take [B, N] weights', async () => {
    const res = await post({ preds: [[[1, 0], [0, 1]], [[2, 1], [1, 2]]], labels: [[0, 1], [1, 0]], alpha: null, sample_weight: [[1, 0], [2, 1]], return_grad: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().grad[0][1]).toEqual([0, 0]);
    expectProblem(await post({ preds: [[[1, 0], [0, 1]], [[2, 1], [1, 2]]], labels: [[0, 1], [1, 0]], sample_weight: [1, 2] }), 'sample_weight');
  });

  it('weights whose sum overflows a sum reduction are a 400, not Infinity', async () => {
    // Confident wrong logits: each loss is about 3.75, times 1.7e308.
    const res = await post({ preds: [5, 5, 5], labels: [0, 0, 0], task: 'binary', reduction: 'sum', sample_weight: [1.7e308, 1.7e308, 1.7e308] });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  describe('Arrow bodies: the weights in the query', () => {
    const body = arrowStream({ preds: column(Float64Array.of(0.5, -1.2, 2.0)), labels: column(Int32Array.of(1, 0, 0)) });
    const postArrow = (query: string) => app.inject({ method: 'POST', url: `/v1/arrow/focal-loss?task=binary&return_grad=true&${query}`, payload: body, headers: { 'content-type': ARROW } });

    it('answer as the JSON route does', async () => {
      const arrow = await postArrow('sample_weight=2,0,0.5');
      const json = await post({ ...binary, return_grad: true, sample_weight: [2, 0, 0.5] });
      expect(arrow.statusCode, arrow.body).toBe(200);
      expect(arrow.json().loss).toBe(json.json().loss);
      expect(arrow.json().grad).toEqual(json.json().grad);
    });

    it('NaN, negative and missing weights are 400s naming the weight', async () => {
      expectProblem(await postArrow('sample_weight=1,NaN,1'), 'sample_weight/1');
      expectProblem(await postArrow('sample_weight=1,1,-2'), 'sample_weight/2');
      expectProblem(await postArrow('sample_weight=1,1'), 'sample_weight');
    });
  });
});
