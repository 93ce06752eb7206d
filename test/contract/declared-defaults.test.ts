import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import { testApp } from '../support/app.js';

/** The committed document, as a client generator reads it (test/openapi.test.ts checks it equals the served one). */
const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
const schemas = document.components.schemas as Record<string, any>;
const metricsBody = document.paths['/v1/metrics'].post.requestBody.content['application/json'].schema;

/** Each metric's object schema in the document, by its `name` constant. */
const metricSchemas = new Map<string, any>(
  (metricsBody.properties.metrics.items.anyOf[1].oneOf as Array<{ $ref: string }>).map(({ $ref }) => {
    const schema = schemas[$ref.split('/').pop() as string];
    return [schema.properties.name.const as string, schema];
  }),
);

/** What a generator that fills in every declared default sends: each property's `default`. */
const declaredDefaults = (schema: { properties: Record<string, { default?: unknown }> }) =>
  Object.fromEntries(Object.entries(schema.properties).filter(([, p]) => 'default' in p).map(([name, p]) => [name, p.default]));

/** A value a user must give for a required number option (`beta`, `min_recall`): the middle of its documented range. */
const requiredValues = (schema: { required: string[]; properties: Record<string, { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number }> }) =>
  Object.fromEntries(
    schema.required
      .filter((name) => name !== 'name')
      .map((name) => {
        const p = schema.properties[name];
        expect(p.type, `${name} is a number`).toBe('number');
        const low = p.minimum ?? p.exclusiveMinimum ?? 0;
        return [name, p.maximum !== undefined ? (low + p.maximum) / 2 : low + 1];
      }),
  );

/** A small batch of scores per task, with every class present, and groups (the fairness metrics need them). */
const batches = {
  binary: { preds: [0.1, 0.9, 0.6, 0.3, 0.8, 0.2], labels: [0, 1, 1, 0, 1, 0], groups: [0, 0, 0, 1, 1, 1] },
  multiclass: { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.2, 0.6, 0.2]], labels: [0, 2, 1, 1, 2, 0], groups: [0, 0, 0, 1, 1, 1] },
  multilabel: { preds: [[0.9, 0.2, 0.6], [0.1, 0.8, 0.4], [0.7, 0.6, 0.2], [0.3, 0.1, 0.9]], labels: [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], groups: [0, 0, 1, 1] },
} as const;

const cases = [...metricSchemas.entries()].flatMap(([name, schema]) => {
  const tasks = /Tasks: ([a-z, ]+)\./.exec(schema.description as string)?.[1].split(', ') ?? [];
  return tasks.map((task) => ({ name, task: task as keyof typeof batches, metric: { name, ...declaredDefaults(schema), ...requiredValues(schema) } }));
});

describe('every option default the OpenAPI document declares is accepted for every task of its metric', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app?.close());

  it('covers every metric of the registry, on every task it exists for', () => {
    expect(cases.map((c) => `${c.name} ${c.task}`).sort()).toEqual(metricDefinitions.flatMap((d) => d.tasks.map((t) => `${d.name} ${t}`)).sort());
    // The request bodies carry defaults too (`input: "auto"`), and so does the generator.
    expect(declaredDefaults(metricsBody)).not.toEqual({});
  });

  it.each(cases)('$name on a $task batch, every declared default sent', async ({ task, metric }) => {
    const body = { ...declaredDefaults(metricsBody), ...batches[task], task, metrics: [metric] };
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload: body });
    expect(res.json(), JSON.stringify(metric)).toMatchObject({ task, metrics: { [metric.name]: expect.any(Object) } });
    expect(res.statusCode).toBe(200);
  });

  it('answers every stateless operation\'s examples with every declared body default sent, over the example\'s own values too', async () => {
    const resolve = (schema: { $ref?: string }) => (schema.$ref ? schemas[schema.$ref.split('/').pop() as string] : schema);
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      const content = item.post?.requestBody?.content?.['application/json'];
      if (!content?.examples || path.includes('{')) continue;
      const defaults = declaredDefaults(resolve(content.schema));
      for (const [name, example] of Object.entries(content.examples as Record<string, { value: object }>)) {
        for (const body of [{ ...defaults, ...example.value }, { ...example.value, ...defaults }]) {
          const res = await app.inject({ method: 'POST', url: path, payload: body });
          expect([200, 201], `${path} ${name} ${JSON.stringify(defaults)}: ${res.body.slice(0, 300)}`).toContain(res.statusCode);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('says which option was ignored, and still refuses another task\'s option at a value that would change something', async () => {
    const sent = async (metric: object) => app.inject({ method: 'POST', url: '/v1/metrics', payload: { preds: [0.1, 0.9], labels: [0, 1], metrics: [metric] } });
    const defaulted = await sent({ name: 'f1_score', average: 'macro', top_k: 1 });
    expect(defaulted.statusCode).toBe(200);
    expect(defaulted.json().metrics.f1_score.warnings).toEqual([
      '"average" was sent with its default and ignored: binary f1_score does not take it',
      '"top_k" was sent with its default and ignored: binary f1_score does not take it',
    ]);
    expect(defaulted.json().metrics.f1_score.f1_score).toBe(1);
    const other = await sent({ name: 'f1_score', average: 'micro' });
    expect(other.statusCode).toBe(400);
    expect(other.json().errors[0].path).toBe('metrics/0/average');
  });
});
