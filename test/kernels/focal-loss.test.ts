import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { focalLossSigmoid, focalLossSoftmax, type FocalLossOptions } from '../../src/kernels/focal-loss.js';

const opts = (over: Partial<FocalLossOptions> = {}): FocalLossOptions => ({
  gamma: 2,
  reduction: 'mean',
  ignoreIndex: null,
  inputIsProbs: false,
  withLosses: true,
  withGrad: true,
  ...over,
});

/** A batch of logits [rows, classes] with labels, as arbitraries. */
const batch = (maxAbs = 8) =>
  fc
    .record({ rows: fc.integer({ min: 1, max: 6 }), classes: fc.integer({ min: 2, max: 5 }) })
    .chain(({ rows, classes }) =>
      fc.record({
        classes: fc.constant(classes),
        logits: fc.array(fc.double({ min: -maxAbs, max: maxAbs, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes }),
        labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
      }),
    );

const ones = (n: number) => new Float64Array(n).fill(1);

/** Cross-entropy written independently: −log softmax(z)_y, averaged. */
function crossEntropy(logits: number[], labels: number[], classes: number): number {
  let sum = 0;
  labels.forEach((y, i) => {
    const row = logits.slice(i * classes, (i + 1) * classes);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    sum += lse - row[y];
  });
  return sum / labels.length;
}

describe('focalLossSoftmax', () => {
  it('equals softmax cross-entropy when gamma = 0 and alpha is all ones', () => {
    fc.assert(
      fc.property(batch(), ({ classes, logits, labels }) => {
        const out = focalLossSoftmax(Float64Array.from(logits), Int32Array.from(labels), classes, ones(classes), opts({ gamma: 0 }));
        expect(out.loss).toBeCloseTo(crossEntropy(logits, labels, classes), 10);
      }),
    );
  });

  it('gives non-negative losses', () => {
    fc.assert(
      fc.property(batch(50), fc.double({ min: 0, max: 5, noNaN: true }), ({ classes, logits, labels }, gamma) => {
        const out = focalLossSoftmax(Float64Array.from(logits), Int32Array.from(labels), classes, ones(classes), opts({ gamma }));
        for (const l of out.losses!) expect(l).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('has a gradient that matches central finite differences', () => {
    fc.assert(
      fc.property(batch(4), fc.double({ min: 0, max: 4, noNaN: true }), ({ classes, logits, labels }, gamma) => {
        const weights = Float64Array.from({ length: classes }, (_, c) => 0.2 + 0.1 * c);
        const y = Int32Array.from(labels);
        const loss = (z: Float64Array) => focalLossSoftmax(z, y, classes, weights, opts({ gamma, withGrad: false })).loss;
        const z = Float64Array.from(logits);
        const grad = focalLossSoftmax(z, y, classes, weights, opts({ gamma })).grad!;
        const h = 1e-6;
        for (let k = 0; k < z.length; k++) {
          const plus = z.slice();
          const minus = z.slice();
          plus[k] += h;
          minus[k] -= h;
          expect(grad[k]).toBeCloseTo((loss(plus) - loss(minus)) / (2 * h), 5);
        }
      }),
    );
  });

  it('is unchanged when a constant is added to a row of logits', () => {
    fc.assert(
      fc.property(batch(), fc.double({ min: -100, max: 100, noNaN: true }), ({ classes, logits, labels }, shift) => {
        const y = Int32Array.from(labels);
        const a = focalLossSoftmax(Float64Array.from(logits), y, classes, ones(classes), opts());
        const b = focalLossSoftmax(Float64Array.from(logits, (z, k) => (k < classes ? z + shift : z)), y, classes, ones(classes), opts());
        expect(b.loss).toBeCloseTo(a.loss, 9);
      }),
    );
  });

  it('gives a zero gradient, not NaN, where p_t = 1 and gamma < 1', () => {
    const out = focalLossSoftmax(new Float64Array([1000, -1000]), new Int32Array([0]), 2, ones(2), opts({ gamma: 0.5 }));
    expect(out.loss).toBe(0);
    expect(Array.from(out.grad!).every((g) => g === 0)).toBe(true); // ±0: e^-2000 underflows
  });

  it('stays finite for logits of ±1e4', () => {
    const out = focalLossSoftmax(new Float64Array([1e4, -1e4, 0, -1e4, 1e4, 0]), new Int32Array([1, 0]), 3, ones(3), opts({ gamma: 0.3 }));
    expect(Number.isFinite(out.loss)).toBe(true);
    for (const g of out.grad!) expect(Number.isFinite(g)).toBe(true);
  });

  it('leaves ignored rows out of the loss, the gradient and the count', () => {
    const out = focalLossSoftmax(new Float64Array([1, 2, 3, 4]), new Int32Array([1, -100]), 2, ones(2), opts({ ignoreIndex: -100 }));
    expect(out.count).toBe(1);
    expect(Array.from(out.grad!.subarray(2))).toEqual([0, 0]);
    expect(out.losses![1]).toBe(0);
  });
});

describe('focalLossSigmoid', () => {
  const elements = fc.array(
    fc.record({ x: fc.double({ min: -30, max: 30, noNaN: true }), t: fc.integer({ min: 0, max: 1 }) }),
    { minLength: 1, maxLength: 12 },
  );

  it('gives non-negative losses and a gradient that matches finite differences', () => {
    fc.assert(
      fc.property(elements, fc.double({ min: 0, max: 4, noNaN: true }), fc.option(fc.double({ min: 0, max: 1, noNaN: true })), (els, gamma, alpha) => {
        const x = Float64Array.from(els, (e) => e.x);
        const t = Int32Array.from(els, (e) => e.t);
        const weights = alpha === null ? null : new Float64Array([1 - alpha, alpha]);
        const out = focalLossSigmoid(x, t, weights, opts({ gamma, reduction: 'sum' }));
        for (const l of out.losses!) expect(l).toBeGreaterThanOrEqual(0);
        const h = 1e-6;
        for (let k = 0; k < x.length; k++) {
          const plus = x.slice();
          const minus = x.slice();
          plus[k] += h;
          minus[k] -= h;
          const fd = (focalLossSigmoid(plus, t, weights, opts({ gamma, reduction: 'sum' })).loss - focalLossSigmoid(minus, t, weights, opts({ gamma, reduction: 'sum' })).loss) / (2 * h);
          expect(out.grad![k]).toBeCloseTo(fd, 5);
        }
      }),
    );
  });

  it('equals binary cross-entropy when gamma = 0 and alpha is null', () => {
    const out = focalLossSigmoid(new Float64Array([0.3, -2]), new Int32Array([1, 0]), null, opts({ gamma: 0, reduction: 'sum' }));
    const bce = Math.log(1 + Math.exp(-0.3)) + Math.log(1 + Math.exp(-2));
    expect(out.loss).toBeCloseTo(bce, 14);
  });
});
