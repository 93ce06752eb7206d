import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { focalLossSigmoid, focalLossSoftmax, focalLossSoftmaxTs, type FocalLossOptions, type Reduction } from '../../src/kernels/focal-loss.js';
import { focalLossSoftmaxWasm } from '../../src/kernels/focal-loss-wasm.js';
import { centralDifference } from '../support/finite-difference.js';
import { vectorsDir } from '../support/reference.js';

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
        for (let k = 0; k < z.length; k++) expect(grad[k]).toBeCloseTo(centralDifference(z, k, loss, 1e-6), 5);
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
        const loss = (v: Float64Array) => focalLossSigmoid(v, t, weights, opts({ gamma, reduction: 'sum' })).loss;
        for (let k = 0; k < x.length; k++) expect(out.grad![k]).toBeCloseTo(centralDifference(x, k, loss, 1e-6), 5);
      }),
    );
  });

  it('equals binary cross-entropy when gamma = 0 and alpha is null', () => {
    const out = focalLossSigmoid(new Float64Array([0.3, -2]), new Int32Array([1, 0]), null, opts({ gamma: 0, reduction: 'sum' }));
    const bce = Math.log(1 + Math.exp(-0.3)) + Math.log(1 + Math.exp(-2));
    expect(out.loss).toBeCloseTo(bce, 14);
  });
});

describe('softmax focal loss of confident rows, against 60-digit arithmetic', () => {
  interface Row { logits: number[]; label: number; gamma: number; loss: number; grad: number[] }
  const { rows } = JSON.parse(readFileSync(vectorsDir + 'focal-softmax-mp.json', 'utf8')) as { rows: Row[] };
  /** Relative error at most 1e-12; below the normal range (2.2e-308) a double holds fewer digits. */
  const close = (got: number, want: number) => Math.abs(got - want) <= 1e-12 * Math.abs(want) + 1e-300;

  it.each([
    ['TypeScript', focalLossSoftmaxTs],
    ['WebAssembly', focalLossSoftmaxWasm],
  ] as const)('%s kernel: loss and gradient to 1e-12 at every gap between the logits', (_name, kernel) => {
    expect(rows.length).toBeGreaterThan(300);
    for (const row of rows) {
      const C = row.logits.length;
      const out = kernel(Float64Array.from(row.logits), Int32Array.of(row.label), C, ones(C), opts({ gamma: row.gamma, reduction: 'sum', withLosses: false }));
      const where = `logits ${row.logits} label ${row.label} gamma ${row.gamma}`;
      expect(close(out.loss, row.loss), `${where}: loss ${out.loss} vs ${row.loss}`).toBe(true);
      row.grad.forEach((g, j) => expect(close(out.grad![j], g), `${where}: grad/${j} ${out.grad![j]} vs ${g}`).toBe(true));
    }
  });
});

describe('grad and hess are the derivatives of the loss as reduced', () => {
  const reductions: Reduction[] = ['mean', 'sum', 'none'];
  /** The reduced loss as a number: for none, the sum of the losses (what grad differentiates). */
  const reduced = (out: { loss: number; losses: Float64Array | null }, reduction: Reduction) =>
    reduction === 'none' ? out.losses!.reduce((a, b) => a + b, 0) : out.loss;
  const elements = fc.array(fc.record({ x: fc.double({ min: -12, max: 12, noNaN: true }), t: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 8 });

  it('sigmoid: grad by central differences of the loss, hess by central differences of grad, every reduction', () => {
    fc.assert(
      fc.property(elements, fc.double({ min: 0, max: 4, noNaN: true }), fc.option(fc.double({ min: 0, max: 1, noNaN: true })), fc.constantFrom(...reductions), (els, gamma, alpha, reduction) => {
        const x = Float64Array.from(els, (e) => e.x);
        const t = Int32Array.from(els, (e) => e.t);
        const weights = alpha === null ? null : new Float64Array([1 - alpha, alpha]);
        const o = opts({ gamma, reduction, withHess: true });
        const at = (v: Float64Array) => focalLossSigmoid(v, t, weights, o);
        const out = at(x);
        for (let k = 0; k < x.length; k++) {
          const fdGrad = centralDifference(x, k, (v) => reduced(at(v), reduction));
          const fdHess = centralDifference(x, k, (v) => at(v).grad![k]);
          expect(Math.abs(out.grad![k] - fdGrad), `grad/${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fdGrad)));
          expect(Math.abs(out.hess![k] - fdHess), `hess/${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fdHess)));
        }
      }),
    );
  });

  it('softmax: grad by central differences of the loss, every reduction, TypeScript and WebAssembly', () => {
    fc.assert(
      fc.property(batch(6), fc.constantFrom(0, 0.5, 2), fc.constantFrom(...reductions), ({ classes, logits, labels }, gamma, reduction) => {
        const y = Int32Array.from(labels);
        const o = opts({ gamma, reduction });
        for (const kernel of [focalLossSoftmaxTs, focalLossSoftmaxWasm]) {
          const at = (v: Float64Array) => kernel(v, y, classes, ones(classes), o);
          const z = Float64Array.from(logits);
          const out = at(z);
          for (let k = 0; k < z.length; k++) {
            const fd = centralDifference(z, k, (v) => reduced(at(v), reduction));
            expect(Math.abs(out.grad![k] - fd), `grad/${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
          }
        }
      }),
    );
  });

  it('sigmoid: logits near ±1e308 give finite derivatives (no ∞ · 0 inside)', () => {
    const out = focalLossSigmoid(Float64Array.of(1e308, -1e308, 1e308, -1e308), Int32Array.of(0, 1, 1, 0), Float64Array.of(0.75, 0.25), opts({ withHess: true, reduction: 'sum' }));
    expect(Array.from(out.grad!, (g) => g + 0)).toEqual([0.75, -0.25, 0, 0]); // + 0: the sign of a zero is no concern
    for (const v of out.hess!) expect(Number.isFinite(v)).toBe(true);
  });
});
