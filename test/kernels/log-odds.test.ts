import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logOddsRows } from '../../src/kernels/log-odds.js';

/** Rows of logits on a grid of 1/8 within ±64, so that adding an integer below 2^20 is exact. */
const rows = fc
  .record({ rows: fc.integer({ min: 1, max: 8 }), classes: fc.integer({ min: 2, max: 6 }) })
  .chain(({ rows: n, classes }) =>
    fc.record({ classes: fc.constant(classes), logits: fc.array(fc.integer({ min: -512, max: 512 }).map((k) => k / 8), { minLength: n * classes, maxLength: n * classes }) }),
  );

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('logOddsRows', () => {
  it('is the logit of softmax where softmax does not saturate', () => {
    fc.assert(
      fc.property(rows, ({ classes, logits }) => {
        const out = logOddsRows(Float64Array.from(logits), classes);
        for (let base = 0; base < logits.length; base += classes) {
          const row = logits.slice(base, base + classes);
          const max = Math.max(...row);
          const sum = row.reduce((s, z) => s + Math.exp(z - max), 0);
          row.forEach((z, c) => {
            const p = Math.exp(z - max) / sum;
            expect(Math.abs(sigmoid(out[base + c]) - p)).toBeLessThan(1e-14);
          });
        }
      }),
    );
  });

  it('does not change, bit for bit, when a constant is added to a row', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), ({ classes, logits }, shift) => {
        const a = logOddsRows(Float64Array.from(logits), classes);
        const b = logOddsRows(Float64Array.from(logits, (z, k) => (k < classes ? z + shift : z)), classes);
        expect(Array.from(b)).toEqual(Array.from(a));
      }),
    );
  });

  it('keeps distinct confident rows distinct where softmax rounds both to 1', () => {
    const out = logOddsRows(Float64Array.of(40, 0, 38, 0, 800, 0, 900, 0), 2);
    expect(Array.from(out)).toEqual([40, -40, 38, -38, 800, -800, 900, -900]);
  });

  it('gives a class the same value, bit for bit, in rows that are permutations of each other', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 2, maxLength: 60 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        (row, seed) => {
          const C = row.length;
          // A seeded shuffle of the row.
          const shuffled = row.slice();
          let state = seed;
          for (let i = C - 1; i > 0; i--) {
            state = (state * 1103515245 + 12345) % 2 ** 31;
            const j = state % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          const a = logOddsRows(Float64Array.from(row), C);
          const b = logOddsRows(Float64Array.from(shuffled), C);
          const byValue = new Map<number, number>();
          row.forEach((z, c) => byValue.set(z, a[c]));
          shuffled.forEach((z, c) => expect(b[c], `class of logit ${z}`).toBe(byValue.get(z)));
        },
      ),
    );
  });

  it('gives tied classes of a row the same value, bit for bit, wherever they stand', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 2, maxLength: 12 }), (row) => {
        const out = logOddsRows(Float64Array.from(row), row.length);
        row.forEach((z, c) => row.forEach((w, d) => (z === w ? expect(out[c]).toBe(out[d]) : undefined)));
      }),
    );
  });

  it('gives the two top classes of a tied row the same value, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.double({ min: -30, max: 60, noNaN: true }), (rest, top) => {
        const row = [top, top, ...rest.map((v) => Math.min(v, top))];
        const out = logOddsRows(Float64Array.from(row), row.length);
        expect(out[0]).toBe(out[1]);
      }),
    );
  });
});
