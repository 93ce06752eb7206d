import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { focalLossSoftmaxTs, type FocalLossOptions } from '../../src/kernels/focal-loss.js';
import { focalLossSoftmaxWasm } from '../../src/kernels/focal-loss-wasm.js';

/**
 * Closeness to a few ulps: relative, plus an absolute 1e-14 because log(Σ e^(z−max)) near 1 is
 * ill-conditioned (one ulp of the sum, from a different exp, is 1e-16 absolute in the loss).
 */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) + 1e-14;

describe('the WebAssembly softmax focal kernel equals the TypeScript reference', () => {
  const batch = fc
    .record({ rows: fc.integer({ min: 1, max: 12 }), classes: fc.integer({ min: 2, max: 9 }), scale: fc.constantFrom(3, 40, 1e3, 1e4) })
    .chain(({ rows, classes, scale }) =>
      fc.record({
        classes: fc.constant(classes),
        logits: fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes }),
        labels: fc.array(fc.integer({ min: -1, max: classes - 1 }), { minLength: rows, maxLength: rows }),
        gamma: fc.constantFrom(0, 0.25, 0.5, 1, 1.7, 2, 3, 5),
        reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        ignore: fc.boolean(),
      }),
    );

  it('on random batches, extreme logits, every gamma, ignore_index and reduction', () => {
    fc.assert(
      fc.property(batch, ({ classes, logits, labels, gamma, reduction, ignore }) => {
        // Without ignore_index, -1 labels are replaced by class 0 so every label is valid.
        const y = Int32Array.from(labels, (l) => (ignore || l >= 0 ? l : 0));
        const weights = Float64Array.from({ length: classes }, (_, c) => 0.1 + 0.2 * c);
        const options: FocalLossOptions = { gamma, reduction, ignoreIndex: ignore ? -1 : null, inputIsProbs: false, withLosses: true, withGrad: true };
        const ts = focalLossSoftmaxTs(Float64Array.from(logits), y, classes, weights, options);
        const wasm = focalLossSoftmaxWasm(Float64Array.from(logits), y, classes, weights, options);
        expect(wasm.count).toBe(ts.count);
        expect(close(wasm.loss, ts.loss), `${wasm.loss} vs ${ts.loss}`).toBe(true);
        ts.losses!.forEach((l, i) => expect(close(wasm.losses![i], l), `losses/${i}`).toBe(true));
        ts.grad!.forEach((g, i) => expect(Math.abs(wasm.grad![i] - g) <= 1e-12 * Math.abs(g) + 1e-15, `grad/${i}: ${wasm.grad![i]} vs ${g}`).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('reuses its memory across batches of different sizes', () => {
    const options: FocalLossOptions = { gamma: 2, reduction: 'sum', ignoreIndex: null, inputIsProbs: false, withLosses: false, withGrad: true };
    const big = focalLossSoftmaxWasm(new Float64Array(300_000).fill(0.5), new Int32Array(100_000), 3, new Float64Array([1, 1, 1]), options);
    const small = focalLossSoftmaxWasm(new Float64Array([0, 0]), new Int32Array([1]), 2, new Float64Array([1, 1]), options);
    expect(big.loss).toBeCloseTo(100_000 * (2 / 3) ** 2 * Math.log(3), 6);
    expect(small.loss).toBeCloseTo(0.25 * Math.LN2, 15);
  });
});
