import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorJson } from '../../src/wire/json-write.js';
import { stringifyResponse } from '../../src/wire/json-response.js';
import { nest } from '../../src/batch/tensor.js';

/**
 * Tensors in responses are written by WebAssembly (src/wire/wasm/json-write.c); the text must
 * be JSON.stringify's, character for character.
 */
describe('the tensor writer writes what JSON.stringify writes', () => {
  it('on hard values: powers of ten at the notation switches, range edges, halfway and long cases', () => {
    const values = [
      0, -0, 1, -1, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, Math.PI, -Math.E, 100, 12345, 1e15, 1e16, 1e17, 1e20, 1e21, 1e22, 1e23, 123456789012345680000,
      1e-6, 1e-7, 1.5e-7, 0.000001, 0.0000015, -0.0000012345678901234567, 9.5367431640625e-7, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308,
      2.225073858507201e-308, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** -1074 * 3, 4.35, 0.30000000000000004, 1e-323, 1.0000000000000002, 0.9999999999999999,
    ];
    const data = Float64Array.from(values);
    expect(tensorJson(data, [values.length])).toBe(JSON.stringify(values));
  });

  it('on every kind of double (random bit patterns), at ranks 1 to 4', () => {
    const double = fc.double({ noNaN: true, noDefaultInfinity: true });
    const tensor = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.array(double, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })));
    fc.assert(
      fc.property(tensor, ([shape, values]) => {
        const data = Float64Array.from(values);
        expect(tensorJson(data, shape)).toBe(JSON.stringify(nest(data, shape)));
      }),
      { numRuns: 3000 },
    );
  });

  it('over 1 MiB of values too (an instance of its own)', () => {
    const data = Float64Array.from({ length: 150_000 }, (_, i) => Math.sin(i) * 10 ** ((i % 40) - 20));
    expect(data.byteLength).toBeGreaterThan(1 << 20);
    expect(tensorJson(data, [75_000, 2])).toBe(JSON.stringify(nest(data, [75_000, 2])));
  });

  it('on gradient-like values of every magnitude', () => {
    const value = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: -30, max: 30 })).map(([v, e]) => v * 10 ** e);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (values) => {
        expect(tensorJson(Float64Array.from(values), [values.length])).toBe(JSON.stringify(values));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('responses are written as JSON.stringify writes them', () => {
  it('with tensors at the top level and inside objects, and every other kind of value', () => {
    const tensor = fc.integer({ min: 1, max: 80 }).chain((n) => fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }));
    const response = fc.record({
      task: fc.constantFrom('multiclass', 'binary'),
      loss: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
      grad: fc.option(tensor, { nil: undefined }),
      nested: fc.record({ grad: tensor, count: fc.nat() }),
      warnings: fc.array(fc.string()),
      other: fc.jsonValue(),
    });
    fc.assert(
      fc.property(response, ({ grad, nested, ...rest }) => {
        const body = {
          ...rest,
          grad: grad === undefined ? undefined : nest(Float64Array.from(grad), [grad.length]),
          nested: { ...nested, grad: nest(Float64Array.from(nested.grad), [nested.grad.length / 1]) },
        };
        expect(stringifyResponse(body)).toBe(JSON.stringify(body));
      }),
      { numRuns: 500 },
    );
  });
});
