import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCalibration } from '../../src/endpoints/calibration.js';
import { probabilities } from '../../src/kernels/probabilities.js';
import { temperatureFit } from '../../src/kernels/temperature.js';
import { applyTemperature } from '../../src/metrics/calibration.js';
import { CalibrationRequest } from '../../src/schemas/calibration.js';

/**
 * Issue 27's properties of calibration, on random batches through the endpoint's compute
 * (the real batch format, kernels and catalogue metrics): isotonic output is monotone and within
 * [0, 1]; calibrated multiclass rows sum to 1; temperature 1 leaves probabilities unchanged.
 */

const calibrate = (body: Record<string, unknown>) => computeCalibration(CalibrationRequest.parse(body)).response;

/** Binary scores on a coarse grid (ties), labels 0/1, optional weights with zeros. */
const binaryBatch = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 40 }).map((k) => k / 40), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 }).map((k) => k / 2)), { minLength: 2, maxLength: 60 })
  .filter((rows) => rows.some(([, , w]) => w > 0));

/** Multiclass rows of C logits in [−8, 8] (steps of 0.001: no subnormal gaps that scaling would round away) with labels, C from 3 to 5. */
const multiclassBatch = fc.integer({ min: 3, max: 5 }).chain((classes) =>
  fc.array(fc.tuple(fc.array(fc.integer({ min: -8000, max: 8000 }).map((k) => k / 1000), { minLength: classes, maxLength: classes }), fc.integer({ min: 0, max: classes - 1 })), { minLength: 2, maxLength: 40 }),
);

describe('isotonic calibration', () => {
  it('is monotone in the score and within [0, 1], with or without weights', () => {
    fc.assert(
      fc.property(binaryBatch, fc.boolean(), (rows, weighted) => {
        const preds = rows.map(([s]) => s);
        const answer = calibrate({ preds, labels: rows.map(([, y]) => y), method: 'isotonic', return_probs: true, ...(weighted ? { sample_weight: rows.map(([, , w]) => w) } : {}) });
        const { x, y } = answer as { x: number[]; y: number[] };
        for (let k = 1; k < x.length; k++) {
          expect(x[k]).toBeGreaterThan(x[k - 1]);
          expect(y[k]).toBeGreaterThanOrEqual(y[k - 1]);
        }
        for (const v of y) expect(v >= 0 && v <= 1).toBe(true);
        const probs = answer.probs as number[];
        const order = preds.map((s, i) => [s, probs[i]] as const).sort((a, b) => a[0] - b[0]);
        for (let k = 1; k < order.length; k++) expect(order[k][1]).toBeGreaterThanOrEqual(order[k - 1][1]);
        for (const p of probs) expect(p >= 0 && p <= 1).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('multiclass calibration', () => {
  it('answers rows that sum to 1, for each method', () => {
    fc.assert(
      fc.property(multiclassBatch, fc.constantFrom('sigmoid', 'isotonic', 'temperature'), (rows, method) => {
        const answer = calibrate({ preds: rows.map(([z]) => z), labels: rows.map(([, y]) => y), task: 'multiclass', method, return_probs: true });
        for (const row of answer.probs as number[][]) {
          expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
          for (const p of row) expect(p >= 0 && p <= 1).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('temperature scaling', () => {
  it('at T = 1 is the softmax of the logits (the catalogue\'s probabilities), unchanged', () => {
    fc.assert(
      fc.property(multiclassBatch, (rows) => {
        const classes = rows[0][0].length;
        const logits = Float64Array.from(rows.flatMap(([z]) => z));
        const unchanged = applyTemperature(logits, rows.length, classes, 1, false);
        const softmax = probabilities(logits, rows.length, classes, true, true);
        for (let k = 0; k < logits.length; k++) expect(unchanged[k]).toBeCloseTo(softmax[k], 15);
      }),
    );
  });

  it('fits T·k to the logits scaled by k (the fit depends on z / T only)', () => {
    fc.assert(
      fc.property(multiclassBatch, fc.constantFrom(0.5, 2, 3), (rows, k) => {
        const classes = rows[0][0].length;
        const logits = Float64Array.from(rows.flatMap(([z]) => z));
        const labels = Int32Array.from(rows.map(([, y]) => y));
        const t = temperatureFit(logits, labels, null, rows.length, classes);
        const scaled = temperatureFit(logits.map((z) => z * k), labels, null, rows.length, classes);
        // Away from scikit-learn's bounds on 1/T (e^±10), where the answer is the bound itself.
        fc.pre(t > 1e-4 && t < 1e4 && t * k > 1e-4 && t * k < 1e4);
        expect(scaled / (t * k)).toBeCloseTo(1, 9);
      }),
    );
  });
});
