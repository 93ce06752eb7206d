import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openStore } from '../../src/sessions/open-store.js';
import { encodeCounts } from '../../src/sessions/codec.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, type ReferenceCase } from '../support/reference.js';
import { mulberry32, splitRows } from '../support/splits.js';

/**
 * Threshold tuning and calibration over a session's epoch (DECISIONS.md, Sessions; issue 27):
 * every case of decisions.json through a session that keeps its rows, its batch split at random
 * into 1–7 parts, answers the case's expected values (the reference libraries') and what the
 * stateless endpoint answers for the whole batch, computed inline and in the worker pool.
 */

const cases = loadCases('decisions.json');

/** The fields of a stateless request that are the batch's (the rest are the decision's options). */
const BATCH_FIELDS = ['preds', 'labels', 'task', 'input', 'ignore_index', 'num_classes', 'num_labels', 'sample_weight'];

/** A case's options as query parameters: names, numbers and booleans as themselves, objects and lists as JSON text. */
function queryOf(request: Record<string, unknown>): string {
  const options = Object.entries(request).filter(([key]) => !BATCH_FIELDS.includes(key));
  return new URLSearchParams(options.map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString();
}

/** A response without its top-level warnings (a stateless `auto` says how it read the batch; the session was told). */
const withoutWarnings = ({ warnings: _w, ...rest }: Record<string, unknown>) => rest;

/** The parameters a fit finds (calibration) agree to 1e-12 relative; counts and thresholds are the same numbers. */
const FITTED = { rel: 1e-12, abs: 1e-15 };

type Request = Record<string, unknown> & { preds: unknown[]; labels: unknown[]; sample_weight?: number[] };

const part = (request: Request, [from, to]: [number, number]) => ({
  preds: request.preds.slice(from, to),
  labels: request.labels.slice(from, to),
  ...(request.sample_weight ? { sample_weight: request.sample_weight.slice(from, to) } : {}),
});

/** The session configuration of a case's batch, keeping its rows, reading preds as the stateless call read them. */
function configOf(request: Request, stateless: { input: string }, extra: Record<string, unknown> = {}) {
  const task = request.task as string;
  const width = Array.isArray(request.preds[0]) ? (request.preds[0] as unknown[]).length : 1;
  return {
    task,
    ...(task === 'multiclass' ? { num_classes: width } : task === 'multilabel' ? { num_labels: width } : {}),
    input: stateless.input,
    keep_rows: true,
    ...extra,
  };
}

/**
 * Inline: everything on the main thread. Worker pool: every priced computation goes to the pool
 * (INLINE_MAX_WORK = 0; a session's GET has no body, so INLINE_MAX_BYTES alone would not send it).
 */
const paths = [
  { path: 'inline', config: bodyPaths[0].config },
  { path: 'worker pool', config: { ...bodyPaths[1].config, INLINE_MAX_WORK: 0 } },
] as const;

for (const { path, config: overrides } of paths) {
  describe(`every decisions.json case through a session equals the reference and the stateless answer (${path})`, () => {
    let app: App;
    beforeAll(async () => {
      app = await testApp(overrides);
    });
    afterAll(() => app.close());

    const post = async (url: string, payload: object, status = 200) => {
      const res = await app.inject({ method: 'POST', url, payload });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      return res.json();
    };

    it('covers the file', () => {
      expect(cases.filter((c) => c.endpoint === '/v1/thresholds').length).toBe(26);
      expect(cases.filter((c) => c.endpoint === '/v1/calibration').length).toBe(24);
    });

    it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c: ReferenceCase, index) => {
      const request = c.request as Request;
      const stateless = await post(c.endpoint, request);
      const id = (await post('/v1/sessions', configOf(request, stateless), 201)).id as string;
      const parts = splitRows(request.labels.length, mulberry32(2700 + index));
      for (const p of parts) await post(`/v1/sessions/${id}/batches`, part(request, p));
      const kind = c.endpoint === '/v1/thresholds' ? 'thresholds' : 'calibration';
      const pooled = app.scoring.pooled;
      const res = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/${kind}?${queryOf(request)}` });
      expect(res.statusCode, res.body).toBe(200);
      // The GET computed where the path says.
      expect(app.scoring.pooled - pooled).toBe(path === 'inline' ? 0 : 1);
      const got = res.json();
      const where = `${c.name} (${parts.length} parts, ${path})`;
      expect(mismatch(got, c.expected, c.tolerance), where).toBeNull();
      if (kind === 'thresholds') expect(withoutWarnings(got), where).toEqual(withoutWarnings(stateless));
      else expect(mismatch(withoutWarnings(got), withoutWarnings(stateless), FITTED), where).toBeNull();
    });
  });
}

describe('the worker pool computes a session\'s decisions when the work is priced over INLINE_MAX_WORK', () => {
  it('thresholds and calibration (JSON and SVG) go to the pool and answer what they answer inline', async () => {
    const c = cases.find((k) => k.endpoint === '/v1/calibration' && k.request.task === 'multiclass' && k.request.method === 'isotonic')!;
    const t = cases.find((k) => k.endpoint === '/v1/thresholds' && k.request.task === 'multilabel')!;
    const answers: string[][] = [];
    // One app at a time: the cost model's limits are the process's (the last app built sets them).
    for (const { config } of paths) {
      const app = await testApp(config);
      try {
        const bodies: string[] = [];
        for (const [k, accept] of [[c, 'application/json'], [c, 'image/svg+xml'], [t, 'application/json']] as const) {
          const request = k.request as Request;
          const stateless = (await app.inject({ method: 'POST', url: k.endpoint, payload: request })).json();
          const id = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: configOf(request, stateless) })).json().id;
          expect((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: part(request, [0, request.labels.length]) })).statusCode).toBe(200);
          const pooled = app.scoring.pooled;
          const res = await app.inject({ url: `/v1/sessions/${id}/${k.endpoint.slice(4)}?${queryOf(request)}`, headers: { accept } });
          expect(res.statusCode, res.body).toBe(200);
          expect(app.scoring.pooled - pooled).toBe(config === paths[1].config ? 1 : 0);
          bodies.push(res.body);
        }
        answers.push(bodies);
      } finally {
        await app.close();
      }
    }
    expect(answers[1]).toEqual(answers[0]);
  });
});

describe('a session\'s thresholds and calibration: rows, options, merge, old chunks', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.3], labels: [0, 0, 1, 1, 1, 0, 1, 0] };
  const create = async (config: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/sessions', payload: config });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; keep_rows: boolean };
  };
  const add = async (id: string, batch: object) => expect((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch })).statusCode).toBe(200);
  const problemOf = (res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    return res.json() as { detail: string; errors: Array<{ path: string; message: string }> };
  };

  it('answers 409 naming keep_rows for a session that keeps no rows, and keeps them with keep_rows: true', async () => {
    const without = await create({ task: 'binary', metrics: ['f1_score'] });
    expect(without.keep_rows).toBe(false);
    await add(without.id, binary);
    for (const url of [`/v1/sessions/${without.id}/thresholds?objective=f1_score`, `/v1/sessions/${without.id}/calibration?method=sigmoid`]) {
      const problem = problemOf(await app.inject({ url }), 409);
      expect(problem.errors[0].path).toBe('keep_rows');
      expect(problem.detail).toContain('"keep_rows": true');
    }
    const kept = await create({ task: 'binary', metrics: ['f1_score'], keep_rows: true });
    expect(kept.keep_rows).toBe(true);
    await add(kept.id, binary);
    const res = await app.inject({ url: `/v1/sessions/${kept.id}/calibration?method=sigmoid` });
    expect(res.statusCode, res.body).toBe(200);
    const stateless = (await app.inject({ method: 'POST', url: '/v1/calibration', payload: { ...binary, task: 'binary', method: 'sigmoid' } })).json();
    expect(res.json()).toEqual(stateless);
  });

  it('keep_rows is part of the configuration merge compares only where it changes what is kept', async () => {
    // An exact ranking metric keeps rows anyway: with or without keep_rows, one configuration.
    const a = await create({ task: 'binary', metrics: ['auroc'], keep_rows: true });
    const b = await create({ task: 'binary', metrics: ['auroc'] });
    expect([a.keep_rows, b.keep_rows]).toEqual([true, true]);
    expect((await app.inject({ method: 'POST', url: `/v1/sessions/${a.id}/merge`, payload: { from: [b.id] } })).statusCode).toBe(200);
    // Without one, keep_rows keeps another state: sessions with and without it do not merge.
    const c = await create({ task: 'binary', metrics: ['f1_score'], keep_rows: true });
    const d = await create({ task: 'binary', metrics: ['f1_score'] });
    problemOf(await app.inject({ method: 'POST', url: `/v1/sessions/${c.id}/merge`, payload: { from: [d.id] } }), 409);
  });

  it('a session with a loss and keep_rows keeps its metric rows (logits [N, C]), and calibrates them', async () => {
    const batch = { preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2], [1.2, 0.3, -0.5], [0.4, 0.4, 0.1], [-1.5, 2.5, 0.0]], labels: [0, 1, 2, 0, 2, 1] };
    const { id } = await create({ task: 'multiclass', num_classes: 3, loss: { gamma: 2 }, keep_rows: true });
    await add(id, { preds: batch.preds.slice(0, 2), labels: batch.labels.slice(0, 2) });
    await add(id, { preds: batch.preds.slice(2), labels: batch.labels.slice(2) });
    const res = await app.inject({ url: `/v1/sessions/${id}/calibration?method=temperature&return_probs=true` });
    expect(res.statusCode, res.body).toBe(200);
    const stateless = (await app.inject({ method: 'POST', url: '/v1/calibration', payload: { ...batch, input: 'logits', method: 'temperature', return_probs: true } })).json();
    expect(mismatch(res.json(), stateless, FITTED)).toBeNull();
  });

  it('prices keep_rows like the rows of exact metrics: past SESSION_MAX_ROWS a 413 naming preds that suggests binned thresholds', async () => {
    const small = await testApp({ SESSION_MAX_ROWS: 5 });
    try {
      const { id } = (await small.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', keep_rows: true } })).json();
      const problem = problemOf(await small.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: binary }), 413);
      expect(problem.errors[0].path).toBe('preds');
      expect(problem.detail).toContain('keep_rows');
      expect(problem.detail).toContain('thresholds');
    } finally {
      await small.close();
    }
  });

  it('names a bad query parameter in a 400, and the task of a multiclass session\'s thresholds', async () => {
    const { id } = await create({ task: 'binary', keep_rows: true });
    await add(id, binary);
    const bad: Array<[string, string]> = [
      ['thresholds?objective=nope', 'objective'],
      ['thresholds', 'objective'],
      ['thresholds?objective=f1_score&thresholds=[0.2,"a"]', 'thresholds/1'],
      ['thresholds?objective=f1_score&thresholds=0', 'thresholds'],
      ['thresholds?objective={"name":"fbeta_score","beta":-1}', 'objective/beta'],
      ['thresholds?objective=f1_score&constraint={"metric":"f1_score","min":0.5}', 'constraint/metric'],
      ['thresholds?objective=f1_score&return_curve=maybe', 'return_curve'],
      ['thresholds?objective=f1_score&extra=1', 'extra'],
      ['calibration?method=platt', 'method'],
      ['calibration?method=sigmoid&return_probs=1', 'return_probs'],
    ];
    for (const [query, field] of bad) {
      const problem = problemOf(await app.inject({ url: `/v1/sessions/${id}/${query}` }), 400);
      expect(problem.errors[0].path, query).toBe(field);
    }
    const multiclass = await create({ task: 'multiclass', num_classes: 3, keep_rows: true });
    await add(multiclass.id, { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], labels: [0, 2] });
    expect(problemOf(await app.inject({ url: `/v1/sessions/${multiclass.id}/thresholds?objective=f1_score` }), 400).errors[0].path).toBe('task');
  });

  it('two sessions merged, then calibrated, answer what one session of both parts answers', async () => {
    const c = cases.find((k) => k.endpoint === '/v1/calibration' && k.request.task === 'multiclass' && k.request.method === 'sigmoid' && k.request.return_probs)!;
    const request = c.request as Request;
    const config = { task: 'multiclass', num_classes: 3, input: 'probs', keep_rows: true };
    const half = Math.floor(request.labels.length / 2);
    const one = await create(config);
    const [a, b] = [await create(config), await create(config)];
    await add(one.id, part(request, [0, half]));
    await add(one.id, part(request, [half, request.labels.length]));
    await add(a.id, part(request, [0, half]));
    await add(b.id, part(request, [half, request.labels.length]));
    expect((await app.inject({ method: 'POST', url: `/v1/sessions/${a.id}/merge`, payload: { from: [b.id] } })).statusCode).toBe(200);
    const query = 'method=sigmoid&return_probs=true';
    const merged = await app.inject({ url: `/v1/sessions/${a.id}/calibration?${query}` });
    const whole = await app.inject({ url: `/v1/sessions/${one.id}/calibration?${query}` });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toEqual(whole.json());
    expect(mismatch(merged.json(), c.expected, c.tolerance)).toBeNull();
  });

  it('draws the reliability diagram and the threshold trade-off as SVG, as the stateless endpoints draw them', async () => {
    const { id } = await create({ task: 'binary', keep_rows: true });
    await add(id, binary);
    const svg = await app.inject({ url: `/v1/sessions/${id}/calibration?method=isotonic`, headers: { accept: 'image/svg+xml' } });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const stateless = await app.inject({ method: 'POST', url: '/v1/calibration', payload: { ...binary, task: 'binary', method: 'isotonic' }, headers: { accept: 'image/svg+xml' } });
    expect(svg.body).toBe(stateless.body);
    // Drawn without return_curve: the curve is computed for the drawing, as POST /v1/thresholds does.
    const drawn = await app.inject({ url: `/v1/sessions/${id}/thresholds?objective=f1_score`, headers: { accept: 'image/svg+xml' } });
    expect(drawn.statusCode, drawn.body).toBe(200);
    expect(drawn.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(drawn.body).toContain('data-threshold=');
    const statelessDrawn = await app.inject({ method: 'POST', url: '/v1/thresholds', payload: { ...binary, task: 'binary', objective: 'f1_score' }, headers: { accept: 'image/svg+xml' } });
    expect(drawn.body).toBe(statelessDrawn.body);
  });
});

/**
 * Rows chunks written by the previous encoder (version 1, before sessions kept the scores as
 * sent: test/fixtures/rows-chunk-v1.json), stored as a session's state would have been before a
 * deploy, then read by this version through the routes.
 */
describe('rows chunks of the previous codec version (a store outlives a deploy)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/rows-chunk-v1.json', import.meta.url), 'utf8')) as Record<
    'multiclass' | 'binary',
    { config: Record<string, unknown>; batch: { preds: unknown[]; labels: number[] }; parts: Array<[number, number]>; chunks: string[] }
  >;
  let folder: string;
  let app: App;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'fa-chunk-v1-'));
    const url = `sqlite:${join(folder, 'sessions.sqlite')}`;
    const store = await openStore(url);
    for (const name of ['multiclass', 'binary'] as const) {
      const entry = fixture[name];
      const id = (name === 'binary' ? 'b' : 'c').repeat(32);
      await store.create({ id, owner: null, config: JSON.stringify(entry.config), ttlSeconds: 3600, createdAt: Date.now() });
      for (const [i, chunk] of entry.chunks.entries()) {
        const [from, to] = entry.parts[i];
        const change = { idempotencyKey: null, fingerprint: `v1-${i}`, counts: encodeCounts(new Map()), chunk: new Uint8Array(Buffer.from(chunk, 'base64')), rows: to - from, maxRows: 1_000_000, answerFields: '{}' };
        expect((await store.apply(id, change)).kind).toBe('applied');
      }
      ids[name] = id;
    }
    await store.close();
    app = await testApp({ STORE_URL: url });
  });
  afterAll(async () => {
    await app?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('multiclass logits kept as log-odds: AUROC and the ROC curves still answer; calibration is a 409 that says why', async () => {
    const { batch, config } = fixture.multiclass;
    const session = await app.inject({ url: `/v1/sessions/${ids.multiclass}` });
    expect(session.statusCode, session.body).toBe(200);
    const stateless = (await app.inject({ method: 'POST', url: '/v1/auroc', payload: { ...batch, task: 'multiclass', num_classes: 3, input: config.input } })).json();
    expect(Math.abs(session.json().metrics.auroc.auroc - stateless.auroc)).toBeLessThanOrEqual(1e-12);
    expect((await app.inject({ url: `/v1/sessions/${ids.multiclass}/roc` })).statusCode).toBe(200);
    const calibration = await app.inject({ url: `/v1/sessions/${ids.multiclass}/calibration?method=sigmoid` });
    expect(calibration.statusCode, calibration.body).toBe(409);
    expect(calibration.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(calibration.json().detail).toMatch(/stored before sessions kept the scores as sent/);
    // A batch posted now (version 2) joins the old ones: AUROC over all three still equals the stateless answer.
    const more = { preds: [[0.3, 0.3, 2.0], [1.0, -1.0, 0.0]], labels: [2, 0] };
    expect((await app.inject({ method: 'POST', url: `/v1/sessions/${ids.multiclass}/batches`, payload: more })).statusCode).toBe(200);
    const all = { preds: [...batch.preds, ...more.preds], labels: [...batch.labels, ...more.labels], task: 'multiclass', num_classes: 3, input: 'logits' };
    const want = (await app.inject({ method: 'POST', url: '/v1/auroc', payload: all })).json().auroc as number;
    const got = (await app.inject({ url: `/v1/sessions/${ids.multiclass}` })).json().metrics.auroc.auroc as number;
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12);
    // The report still renders, without the sections that need the scores as sent.
    const report = await app.inject({ url: `/v1/sessions/${ids.multiclass}/report` });
    expect(report.statusCode, report.body).toBe(200);
  });

  it('binary probabilities were kept as sent: their calibration answers what the stateless endpoint answers', async () => {
    const { batch } = fixture.binary;
    const res = await app.inject({ url: `/v1/sessions/${ids.binary}/calibration?method=isotonic&return_probs=true` });
    expect(res.statusCode, res.body).toBe(200);
    const stateless = (await app.inject({ method: 'POST', url: '/v1/calibration', payload: { ...batch, task: 'binary', input: 'probs', method: 'isotonic', return_probs: true } })).json();
    expect(res.json()).toEqual(stateless);
  });
});
