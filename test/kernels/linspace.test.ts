import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linspaceFloat32 } from '../../src/kernels/linspace.js';
import { vectorsDir } from '../support/reference.js';

describe('linspaceFloat32', () => {
  const { grids } = JSON.parse(readFileSync(vectorsDir + 'linspace-float32.json', 'utf8')) as { grids: Record<string, number[]> };

  it("equals torch.linspace(0, 1, n)'s float32 values bit for bit", () => {
    expect(Object.keys(grids).length).toBeGreaterThan(70);
    for (const [n, want] of Object.entries(grids)) expect(Array.from(linspaceFloat32(Number(n))), `n = ${n}`).toEqual(want);
  });

  it('is not the float64 grid k / (n - 1): 0.1 lies above the double 0.1, as in torchmetrics', () => {
    const grid = linspaceFloat32(11);
    expect(grid[1]).toBe(Math.fround(0.1));
    expect(grid[1]).toBeGreaterThan(0.1);
  });
});
