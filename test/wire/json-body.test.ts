import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/errors.js';
import { TENSOR_FIELDS, tensorSchemas } from '../../src/schemas/common.js';
import { AurocCompareRequest } from '../../src/schemas/auroc-compare.js';
import { AurocRequest } from '../../src/schemas/auroc.js';
import { AveragePrecisionRequest } from '../../src/schemas/average-precision.js';
import { PrecisionRecallRequest, RocRequest } from '../../src/schemas/curves.js';
import { FocalLossRequest } from '../../src/schemas/focal-loss.js';
import { ScoreRequest } from '../../src/schemas/score.js';
import { decodeJsonBody } from '../../src/wire/json-body.js';
import { withLentTensors } from '../../src/wire/json-numbers.js';
import { scoringTasks, type ScoringTaskName } from '../../src/endpoints/tasks.js';
import { TypedTensor, nest } from '../../src/batch/tensor.js';

/**
 * The JSON body decoder reads tensors straight into typed arrays (src/wire/wasm/json-numbers.c)
 * and must agree with JSON.parse on every number, bit for bit, and on every body: the same value,
 * or the same refusal.
 */

const bytesOf = (text: string) => Buffer.from(text);
const bits = (values: ArrayLike<number>) => Array.from(new BigUint64Array(Float64Array.from(values).buffer), (b) => b.toString(16));

/** The decoded body with its typed tensors turned back into nested arrays, as JSON.parse gives them. */
const plain = (body: unknown): unknown =>
  Object.fromEntries(Object.entries(body as object).map(([key, value]) => [key, value instanceof TypedTensor ? nest(value.data, value.shape) : value]));

/** `preds` decoded from a list of number tokens: through the typed fast path, and by JSON.parse. */
function bothWays(tokens: string[]) {
  const text = `{"preds":[${tokens.join(',')}]}`;
  const decoded = decodeJsonBody(bytesOf(text)) as { preds: unknown };
  return { decoded: decoded.preds, expected: (JSON.parse(text) as { preds: number[] }).preds };
}

describe('numbers convert exactly as JSON.parse converts them', () => {
  it('on hard cases: halfway points, subnormals, the double range edges, long significands', () => {
    const tokens = [
      '0', '-0', '0.0', '-0.0e7', '1', '-1', '0.1', '0.2', '0.3', '1e23', '8.41e21', '5e-324', '4.9e-324', '2.4703282292062327e-324',
      '2.4703282292062328e-324', '2.2250738585072011e-308', '2.2250738585072012e-308', '2.2250738585072014e-308', '1.7976931348623157e308',
      '1.7976931348623158e308', '9007199254740992', '9007199254740993', '9007199254740994', '9007199254740995', '9007199254740993.0000000001',
      '18014398509481985', '123456789012345678901234567890', '1.00000000000000011102230246251565404236316680908203125',
      '1.00000000000000011102230246251565404236316680908203124', '1.00000000000000011102230246251565404236316680908203126',
      '7.038531e-26', '3.0540412709074695e-7', '0.000000000000000000000000000000000000000000001', '1e-400', '-1e-400', '1E+2', '1e-0',
      '123456789e-30', '0.30000000000000004', '100000000000000000000000', '4.35679e-9', '2.2250738585072013e-308', '1e308', '1e-307',
    ];
    const { decoded, expected } = bothWays(tokens);
    expect(decoded).toBeInstanceOf(TypedTensor);
    expect(bits((decoded as TypedTensor).data)).toEqual(bits(expected));
  });

  it('on every double, written as JSON.stringify writes it (shortest round trip)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 }), (values) => {
        const { decoded, expected } = bothWays(values.map((v) => JSON.stringify(v)));
        expect(bits((decoded as TypedTensor).data)).toEqual(bits(expected));
      }),
      { numRuns: 2000 },
    );
  });

  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const decimal = fc
    .record({
      sign: fc.constantFrom('', '-'),
      integer: fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 30)).map(([a, b]) => a + b)),
      fraction: fc.option(digits(1, 40), { nil: undefined }),
      exponent: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 360 })), { nil: undefined }),
    })
    .map(({ sign, integer, fraction, exponent }) => `${sign}${integer}${fraction === undefined ? '' : `.${fraction}`}${exponent ? exponent[0] + exponent[1] + exponent[2] : ''}`);

  it('on random decimal strings: up to 70 digits, exponents to ±360 (overflow falls back to JSON.parse)', () => {
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 1, maxLength: 16 }), (tokens) => {
        const { decoded, expected } = bothWays(tokens);
        const values = decoded instanceof TypedTensor ? decoded.data : (decoded as number[]);
        expect(bits(values)).toEqual(bits(expected));
        // Only a value beyond the double range sends the body to JSON.parse.
        expect(decoded instanceof TypedTensor).toBe(expected.every(Number.isFinite));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('bodies decode as JSON.parse decodes them', () => {
  const key = fc.constantFrom('preds', 'labels', 'preds_a', 'gamma', 'alpha', 'task', 'thresholds', 'metrics', 'x', 'é', 'a\\"b');
  const tensor = fc.oneof(
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 1, max: 3 }).chain((width) => fc.array(fc.array(fc.integer({ min: -3, max: 9 }), { minLength: width, maxLength: width }), { minLength: 1, maxLength: 4 })),
  );
  const member = fc.tuple(key, fc.oneof(tensor, fc.jsonValue({ maxDepth: 3 })));
  const object = fc.array(member, { maxLength: 6 }).map((members) => `{${members.map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(' ,\n')}}`);

  it('on random objects: tensors typed, everything else as JSON.parse has it', () => {
    fc.assert(
      fc.property(object, (text) => {
        fc.pre(!text.includes('proto') && !text.includes('constructor')); // refused on purpose (see errors.test.ts)
        expect(plain(decodeJsonBody(bytesOf(text)))).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('on damaged text: refused exactly when JSON.parse refuses, with a 400', () => {
    const damaged = fc.tuple(object, fc.nat(), fc.constantFrom('', ',', ']', '[', '}', '"', '-', '.', 'e', '0', ' ', '\\', '\u0001', 'tru', 'nul')).map(([text, at, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + 1);
    });
    fc.assert(
      fc.property(damaged, (text) => {
        fc.pre(!text.includes('proto') && !text.includes('constructor'));
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expect(() => decodeJsonBody(bytesOf(text))).toThrow(ProblemError);
          return;
        }
        if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) expect(plain(decodeJsonBody(bytesOf(text)))).toEqual(expected);
        else expect(decodeJsonBody(bytesOf(text))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes a body over 1 MiB (in the scanner instance kept for large bodies) as JSON.parse does, hard tokens included', () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => [i / 7, -i * 1e-3, 5e-324 * (i % 3), 1.7976931348623157e308 / (i + 1)]);
    const text = JSON.stringify({ preds: rows, labels: rows.map((_, i) => i % 4) }).replace('[[0,0,0,', '[[0,-0,2.4703282292062328e-324,');
    expect(text).toContain('-0,2.4703282292062328e-324');
    expect(text.length).toBeGreaterThan(1 << 20);
    const body = decodeJsonBody(bytesOf(text)) as { preds: TypedTensor };
    expect(body.preds.shape).toEqual([40_000, 4]);
    expect(bits(body.preds.data)).toEqual(bits((JSON.parse(text) as { preds: number[][] }).preds.flat()));
  });

  it('keeps the tensors of a large body when the next one is scanned over them, lent or copied', () => {
    // Two bodies over 1 MiB: the second is scanned in the instance the first was scanned in,
    // unless the first's tensors are lent and still in use (then it gets an instance of its own).
    const textOf = (seed: number) => JSON.stringify({ preds: Array.from({ length: 60_000 }, (_, i) => [(i + seed) / 7, -seed - i * 1e-3]) });
    const [first, second] = [textOf(1), textOf(2)];
    const expected = (text: string) => bits((JSON.parse(text) as { preds: number[][] }).preds.flat());
    const copied = decodeJsonBody(bytesOf(first)) as { preds: TypedTensor };
    decodeJsonBody(bytesOf(second));
    expect(bits(copied.preds.data)).toEqual(expected(first));
    withLentTensors(() => {
      const lent = decodeJsonBody(bytesOf(first)) as { preds: TypedTensor };
      const next = decodeJsonBody(bytesOf(second)) as { preds: TypedTensor };
      expect(bits(lent.preds.data)).toEqual(expected(first));
      expect(bits(next.preds.data)).toEqual(expected(second));
    });
  });

  it('keeps shapes: rectangular arrays typed, ragged, empty and mixed ones as arrays for the flattening stage to report', () => {
    const body = decodeJsonBody(bytesOf('{"preds":[[[1,2]],[[3,4]]],"labels":[[1],[2,3]],"preds_a":[],"preds_b":[1,"2"]}')) as Record<string, unknown>;
    expect(body.preds).toEqual(new TypedTensor(Float64Array.of(1, 2, 3, 4), [2, 1, 2]));
    expect(body.labels).toEqual([[1], [2, 3]]);
    expect(body.preds_a).toEqual([]);
    expect(body.preds_b).toEqual([1, '2']);
  });

  it('names every tensor field of every request schema in TENSOR_FIELDS', () => {
    const schemas = [FocalLossRequest, AurocRequest, AurocCompareRequest, AveragePrecisionRequest, RocRequest, PrecisionRecallRequest, ScoreRequest];
    const fields = schemas.flatMap((schema) => Object.entries(schema.shape).filter(([, field]) => tensorSchemas.has(field as never)).map(([name]) => name));
    expect(fields.length).toBeGreaterThan(0);
    expect([...new Set(fields)].filter((name) => !TENSOR_FIELDS.has(name))).toEqual([]);
  });
});

describe('every task answers a typed body exactly as it answers nested arrays', () => {
  // An escaped first key ("\u0070reds" is "preds") makes the decoder decline, so the same body
  // goes through JSON.parse and nested arrays instead.
  const throughJsonParse = (text: string) => text.replace(/^\{"(.)/, (_, c: string) => `{"\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const outcome = (name: ScoringTaskName, text: string) => {
    try {
      return { ok: JSON.stringify(scoringTasks[name].execute({ kind: 'json', bytes: bytesOf(text) }, 'json')) };
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      return { status: error.status, problem: error.problem };
    }
  };
  const score = fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0, 0.5, 1, 1e-300));
  const matrix = <T>(item: fc.Arbitrary<T>, rows: number, width: number) =>
    fc.array(fc.array(item, { minLength: width, maxLength: width }), { minLength: rows, maxLength: rows });
  /** A coherent batch of each task most of the time; a wrong label now and then. */
  const batch = fc
    .record({ rows: fc.integer({ min: 1, max: 8 }), width: fc.integer({ min: 2, max: 4 }), task: fc.constantFrom('binary', 'multiclass', 'multilabel'), named: fc.boolean() })
    .chain(({ rows, width, task, named }) => {
      const label = (max: number) => fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max }) }, fc.constantFrom(-1, 0.5, max + 1));
      const body =
        task === 'binary'
          ? fc.record({ preds: fc.array(score, { minLength: rows, maxLength: rows }), labels: fc.array(label(1), { minLength: rows, maxLength: rows }) })
          : task === 'multiclass'
            ? fc.record({ preds: matrix(score, rows, width), labels: fc.array(label(width - 1), { minLength: rows, maxLength: rows }) })
            : fc.record({ preds: matrix(score, rows, width), labels: matrix(label(1), rows, width) });
      return body.map((b) => (named ? { ...b, task, ignore_index: -1 } : b));
    });
  const extras: Partial<Record<ScoringTaskName, object>> = { focalLoss: { return_grad: true }, score: { metrics: ['auroc', 'average_precision'] } };

  for (const name of ['focalLoss', 'auroc', 'averagePrecision', 'roc', 'score'] as const) {
    it(name, () => {
      let answered = 0;
      fc.assert(
        fc.property(batch, (body) => {
          const text = JSON.stringify({ ...body, ...extras[name] });
          const typed = outcome(name, text);
          expect(typed).toEqual(outcome(name, throughJsonParse(text)));
          if ('ok' in typed) answered++;
        }),
        { numRuns: 300 },
      );
      expect(answered).toBeGreaterThan(30); // not only refusals
    });
  }

  it('aurocCompare', () => {
    const compare = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({ preds_a: fc.array(score, { minLength: n, maxLength: n }), preds_b: fc.array(score, { minLength: n, maxLength: n }), labels: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }) }),
    );
    fc.assert(
      fc.property(compare, (body) => {
        const text = JSON.stringify(body);
        expect(outcome('aurocCompare', text)).toEqual(outcome('aurocCompare', throughJsonParse(text)));
      }),
      { numRuns: 300 },
    );
  });
});
