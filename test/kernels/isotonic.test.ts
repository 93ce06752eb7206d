import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isotonicFit, isotonicPredict } from '../../src/kernels/isotonic.js';

/**
 * The isotonic fit (radix sort, tie merging, PAVA on typed arrays) against a straightforward
 * reference kept here: scikit-learn 1.9's `_build_y` written plainly — samples sorted by
 * (score, label) with a comparison sort, scores within 1e-15 of a group's first merged into their
 * weighted mean label, and the pool-adjacent-violators algorithm as a stack of blocks, each pushed
 * and merged into the one before while that one's mean is not below it.
 */

interface Sample {
  score: number;
  positive: number;
  weight: number;
}

/** The reference fit: every point before trimming, and the fitted value at each. */
function referenceFit(samples: readonly Sample[]): { x: number[]; y: number[] } {
  const sorted = samples.map((s, i) => ({ ...s, i })).sort((a, b) => a.score - b.score || a.positive - b.positive || a.i - b.i);
  const points: Array<{ x: number; w: number; wy: number }> = [];
  for (const s of sorted) {
    const last = points.at(-1);
    if (last && s.score - last.x < 1e-15) {
      last.w += s.weight;
      last.wy += s.weight * s.positive;
    } else points.push({ x: s.score, w: s.weight, wy: s.weight * s.positive });
  }
  const blocks: Array<{ w: number; wy: number; count: number }> = [];
  for (const p of points) {
    blocks.push({ w: p.w, wy: p.wy, count: 1 });
    while (blocks.length > 1 && blocks.at(-2)!.wy / blocks.at(-2)!.w >= blocks.at(-1)!.wy / blocks.at(-1)!.w) {
      const top = blocks.pop()!;
      const below = blocks.at(-1)!;
      below.w += top.w;
      below.wy += top.wy;
      below.count += top.count;
    }
  }
  const y = blocks.flatMap((b) => Array.from({ length: b.count }, () => b.wy / b.w));
  return { x: points.map((p) => p.x), y };
}

/** Linear interpolation between breakpoints, the end values outside (numpy.interp). */
function interp(x: readonly number[], y: readonly number[], s: number): number {
  if (s <= x[0]) return y[0];
  if (s >= x[x.length - 1]) return y[y.length - 1];
  let k = 0;
  while (x[k + 1] <= s) k++;
  return y[k] + ((y[k + 1] - y[k]) * (s - x[k])) / (x[k + 1] - x[k]);
}

/** Scores with ties (a coarse grid), near-ties (within 1e-16), negatives and −0; labels 0/1; weights > 0 or none. */
const score = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map((k) => k / 8),
  fc.constantFrom(-0, 0, 0.5 + 1e-16, 0.5, 1e-300, -1e-300),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);
const samples = fc.array(
  fc.record({ score, positive: fc.integer({ min: 0, max: 1 }), weight: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 }).map((k) => k / 4), fc.double({ min: 1e-3, max: 1e3, noNaN: true })) }),
  { minLength: 1, maxLength: 80 },
);

describe('isotonicFit', () => {
  it('equals the reference PAVA on random samples with ties and weights: the same function at every score, breakpoints among the merged scores', () => {
    fc.assert(
      fc.property(samples, fc.boolean(), (given, weighted) => {
        const rows = weighted ? given : given.map((s) => ({ ...s, weight: 1 }));
        const fit = isotonicFit(
          Float64Array.from(rows, (s) => s.score),
          Uint8Array.from(rows, (s) => s.positive),
          weighted ? Float64Array.from(rows, (s) => s.weight) : null,
        )!;
        const reference = referenceFit(rows);
        const x = Array.from(fit.x);
        const y = Array.from(fit.y);
        // Trimming keeps the ends and the points where the fitted value changes, in order. (Compared
        // with ===: a group of −0 and 0 may start at either, as numpy's sort of equal values, and
        // both are 0 in JSON and in interpolation.)
        expect(x[0] === reference.x[0] && x.at(-1) === reference.x.at(-1)).toBe(true);
        for (let k = 1; k < x.length; k++) expect(x[k]).toBeGreaterThan(x[k - 1]);
        for (const v of x) expect(reference.x.some((r) => r === v)).toBe(true);
        // The same function: at every merged score, between them and beyond them.
        const probes = [...reference.x, ...reference.x.slice(1).map((v, k) => (v + reference.x[k]) / 2), reference.x[0] - 1, reference.x.at(-1)! + 1];
        for (const s of probes) expect(interp(x, y, s)).toBeCloseTo(interp(reference.x, reference.y, s), 12);
        const predicted = isotonicPredict(fit, Float64Array.from(probes), probes.length);
        probes.forEach((s, k) => expect(predicted[k]).toBeCloseTo(interp(reference.x, reference.y, s), 12));
        // Unweighted targets are counts: the fitted values are exactly the reference's.
        if (!weighted) for (let k = 0; k < x.length; k++) expect(y[k]).toBe(reference.y[reference.x.findIndex((r) => r === x[k])]);
      }),
      { numRuns: 500 },
    );
  });

  it('sorts a large sample of distinct scores as a comparison sort does (every radix pass taken)', () => {
    // Scores of every sign and magnitude: no digit is shared by all keys, so no pass is skipped.
    const n = 20_000;
    const scores = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 40) - 20));
    const positive = Uint8Array.from({ length: n }, (_, i) => (Math.cos(i * 78.233) > 0.2 ? 1 : 0));
    const fit = isotonicFit(scores, positive, null)!;
    const reference = referenceFit(Array.from(scores, (s, i) => ({ score: s, positive: positive[i], weight: 1 })));
    const probes = reference.x;
    const predicted = isotonicPredict(fit, Float64Array.from(probes), probes.length);
    probes.forEach((s, k) => expect(predicted[k]).toBe(reference.y[k]));
  });

  it('answers null without samples', () => {
    expect(isotonicFit(new Float64Array(0), new Uint8Array(0), null)).toBeNull();
  });
});
