import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { arbitraryOf, type JsonSchema } from '../support/openapi-arbitrary.js';

/** Runs per operation: enough to reach each operation's options and error paths, few enough for npm test. */
const RUNS = 30;
/** The tensors of a request example: kept together, so some generated requests are coherent batches. */
const TENSOR_FIELDS = ['preds', 'labels', 'preds_a', 'preds_b', 'sample_weight'];

interface Operation {
  operationId: string;
  /** `content` for a parameter sent as JSON text (its schema under `application/json`), else `schema`. */
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema; content?: Record<string, { schema: JsonSchema }> }>;
  requestBody?: { content: Record<string, { schema: JsonSchema; examples?: Record<string, { value: Record<string, unknown> }> }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

/**
 * The contract as a client generated from the OpenAPI document sees it, checked over requests
 * generated from the document's own request schemas (fast-check, with a small JSON Schema →
 * arbitrary builder): every answer has a status the operation documents, a body that validates
 * against the schema documented for that status and media type (ajv, JSON Schema 2020-12), and
 * no valid request is a 5xx.
 */
describe('every JSON operation keeps the contract its OpenAPI document states', () => {
  let app: App;
  let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
  /** A session that keeps rows (auroc), so batches, curves and merges reach their 200s. */
  let sessionId: string;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  const validators = new Map<string, ValidateFunction>();
  /** The response schema of an operation, compiled with the document's components beside it so `$ref`s resolve. */
  const validatorFor = (key: string, schema: JsonSchema) => {
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: document.components });
      validators.set(key, validate);
    }
    return validate;
  };

  beforeAll(async () => {
    app = await testApp();
    document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc', 'f1_score'] } });
    sessionId = created.json().id;
    await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/batches`, payload: { preds: [0.1, 0.8, 0.35, 0.6], labels: [0, 1, 0, 1] } });
  });
  afterAll(() => app?.close());

  /** Operations that take JSON (a JSON body, or none): Arrow bodies and the health probes aside. */
  const jsonOperations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => path.startsWith('/v1/') && (!op.requestBody || 'application/json' in op.requestBody.content))
        .map(([method, op]) => ({ path, method: method.toUpperCase() as 'GET' | 'POST' | 'DELETE', op })),
    );

  it('covers every JSON operation of the document', () => {
    const ids = jsonOperations().map((o) => o.op.operationId);
    expect(ids).toEqual(
      expect.arrayContaining(['focalLoss', 'auroc', 'aurocCompare', 'metrics', 'score', 'createSession', 'addSessionBatch', 'computeSession', 'sessionRoc', 'mergeSessions', 'resetSession', 'deleteSession']),
    );
  });

  it('answers generated valid requests with a documented status and a body its schema accepts, never a 5xx', async () => {
    const components = document.components.schemas;
    const seen: Record<string, number[]> = {};
    for (const { path, method, op } of jsonOperations()) {
      const body = op.requestBody?.content['application/json'];
      let bodyArbitrary: fc.Arbitrary<unknown> = fc.constant(undefined);
      if (body) {
        const generated = arbitraryOf(body.schema, components);
        const examples = Object.values(body.examples ?? {}).map((e) => e.value);
        // Besides wholly generated bodies (mostly 400s: shapes that disagree), an example with
        // one generated option, or with all of them under its tensors: these reach the 200s.
        const oneOption = fc.tuple(fc.constantFrom(...examples), generated, fc.nat()).map(([example, options, pick]) => {
          const keys = Object.keys(options as object).filter((k) => !TENSOR_FIELDS.includes(k));
          const key = keys[pick % Math.max(keys.length, 1)];
          return key === undefined ? example : { ...example, [key]: (options as Record<string, unknown>)[key] };
        });
        const underTensors = fc.tuple(fc.constantFrom(...examples), generated).map(([example, options]) => ({
          ...(options as object),
          ...Object.fromEntries(Object.entries(example).filter(([k]) => TENSOR_FIELDS.includes(k))),
        }));
        bodyArbitrary = examples.length === 0 ? generated : fc.oneof(generated, oneOption, underTensors);
      }
      const queryParameters = (op.parameters ?? []).filter((p) => p.in === 'query');
      // A parameter with `content: application/json` is written as JSON text, as a generated client writes it.
      const query = fc.record(
        Object.fromEntries(queryParameters.map((p) => [p.name, p.content ? arbitraryOf(p.content['application/json'].schema, components).map((v) => JSON.stringify(v)) : arbitraryOf(p.schema!, components)])),
        { requiredKeys: [] },
      );
      const hasId = path.includes('{id}');
      // Most runs on the live session (its 200s); some on an id that names none (its 404).
      const id = hasId ? fc.oneof({ arbitrary: fc.constant(sessionId), weight: 3 }, { arbitrary: arbitraryOf({ type: 'string', pattern: '^[0-9a-f]{32}$' }, components), weight: 1 }) : fc.constant('');
      await fc.assert(
        fc.asyncProperty(bodyArbitrary, query, id, async (payload, queryValues, sessionIdValue) => {
          // Deletion and reset get a session of their own, so the others keep reaching the live one.
          let target = sessionIdValue as string;
          if ((op.operationId === 'deleteSession' || op.operationId === 'resetSession') && target === sessionId) {
            target = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc'] } })).json().id;
          }
          const search = new URLSearchParams(Object.entries(queryValues as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
          const url = path.replace('{id}', target) + (search ? `?${search}` : '');
          const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
          const where = `${method} ${url} ${JSON.stringify(payload)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          (seen[op.operationId] ??= []).push(res.statusCode);
          expect(res.statusCode, where).toBeLessThan(500);
          const documented = op.responses[String(res.statusCode)];
          expect(documented, `undocumented status: ${where}`).toBeDefined();
          if (res.statusCode === 204) return;
          const mediaType = String(res.headers['content-type']).split(';')[0];
          const schema = documented.content?.[mediaType]?.schema;
          expect(schema, `undocumented media type ${mediaType}: ${where}`).toBeDefined();
          const validate = validatorFor(`${op.operationId} ${res.statusCode} ${mediaType}`, schema as JsonSchema);
          // A page (the session report, text/html) is a string; everything else JSON.
          const answer = mediaType === 'text/html' ? res.body : res.json();
          expect(validate(answer) ? [] : validate.errors, where).toEqual([]);
        }),
        { numRuns: RUNS, seed: 24, endOnFailure: true },
      );
    }
    // Each operation was reached past its validation (merges need a second session: the 404s only).
    for (const [operationId, statuses] of Object.entries(seen)) {
      if (operationId !== 'mergeSessions') expect(statuses.some((s) => s < 300), operationId).toBe(true);
    }
  }, 300_000);
});
