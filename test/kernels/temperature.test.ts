import { describe, expect, it } from 'vitest';
import { temperatureFit } from '../../src/kernels/temperature.js';

/**
 * Where the temperature's loss has no interior minimum, scikit-learn's answer is a bound of its
 * interval on log(1/T), [−10, 10] (`_TemperatureScaling`'s `minimize_scalar(bounds=(-10, 10))`).
 */
describe('temperatureFit at the bounds of scikit-learn\'s interval', () => {
  // Three rows of three classes; each label is the row's largest logit, or its smallest.
  const logits = Float64Array.from([3, 0, -1, -2, 4, 1, 0, -3, 2]);

  it('answers T = e^-10 when every row is right (sharper is always better)', () => {
    expect(temperatureFit(logits, Int32Array.from([0, 1, 2]), null, 3, 3)).toBe(1 / Math.exp(10));
  });

  it('answers T = e^10 when every row is wrong (flatter is always better)', () => {
    expect(temperatureFit(logits, Int32Array.from([2, 0, 1]), null, 3, 3)).toBe(1 / Math.exp(-10));
  });

  it('answers T = 1 when nothing weighs (any T fits)', () => {
    expect(temperatureFit(logits, Int32Array.from([0, 1, 2]), new Float64Array(3), 3, 3)).toBe(1);
  });
});
