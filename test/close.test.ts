import { describe, expect, it } from 'vitest';
import { close, MAX_COUNT } from './support/close.js';

/**
 * The comparer the property tests use: counts exactly, other numbers to 1e-12 relative. A float
 * that happens to be whole (a group ratio of 3.4e15 over a near-zero group's value) once failed
 * the merge law as an unequal count, one run in many, by one unit in its last place.
 */
describe('close', () => {
  it('compares counts exactly', () => {
    expect(close(3, 4)).not.toBeNull();
    expect(close(MAX_COUNT, MAX_COUNT - 1)).not.toBeNull();
  });

  it('compares whole floats past any count with the tolerance', () => {
    expect(close(3413254454428158, 3413254454428159)).toBeNull();
    expect(close(3413254454428158, 3413254454438159)).not.toBeNull();
  });
});
