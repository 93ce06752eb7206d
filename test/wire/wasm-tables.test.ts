import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmTables } from '../../scripts/wasm-tables.js';

describe('the committed WebAssembly tables', () => {
  it.each(wasmTables.map((table) => [table.path.split('/').pop(), table] as const))('%s equals its generator', (_name, table) => {
    expect(readFileSync(table.path, 'utf8')).toBe(table.text());
  });

  it("start with the published first entries: fast_float's 5^-342 and Ryu's 5^-1", () => {
    const [pow5, ryu] = wasmTables.map((table) => readFileSync(table.path, 'utf8'));
    expect(pow5).toContain('{0xeef453d6923bd65aull, 0x113faa2906a13b3full}, /* 5^-342 */');
    expect(ryu).toContain('{11068046444225730970ull, 1844674407370955161ull}, /* 5^-1 */');
  });
});
