import { Float64, Table, makeData, makeVector, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { int64At, patchInt64, patchUint32, recordBatches } from '../support/arrow-patch.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * Arrow bodies whose metadata lies about what their bytes hold: real streams written by
 * apache-arrow, one declaration overwritten (a record batch's length, a FieldNode's length or
 * null_count, a Buffer's offset or length), sent through the real routes. Every lie is a 400
 * problem naming the column; the honest stream still scores.
 */

const ROWS = 12_345;

/** Deterministic scores with some signal, and about a third positives. */
function sample(rows: number) {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const labels = Int8Array.from({ length: rows }, () => (random() < 0.33 ? 1 : 0));
  const preds = Float64Array.from(labels, (label) => Math.min(1, Math.max(0, random() * 0.9 + label * 0.1)));
  const weights = Float64Array.from({ length: rows }, () => 0.5 + random());
  return { preds, labels, weights };
}

const { preds, labels, weights } = sample(ROWS);
/** Columns in schema order: preds (nodes[0], buffers 0-1), labels (nodes[1], buffers 2-3). */
const honest = arrowStream({ preds: column(preds), labels: column(labels) });
const [batch] = recordBatches(honest);
/** The same with a third column, sample_weight (nodes[2], buffers 4-5). */
const weighted = arrowStream({ preds: column(preds), labels: column(labels), sample_weight: column(weights) });
const [weightedBatch] = recordBatches(weighted);

/** Several declarations overwritten at once. */
const patched = (stream: Buffer, patches: Array<[position: number, value: number | bigint]>) => patches.reduce((s, [at, value]) => patchInt64(s, at, value), stream);

/** The batch and every column claiming `rows` rows: a consistent lie only the buffer sizes give away. */
const claiming = (rows: number) => patched(honest, [[batch.length, rows], ...batch.nodes.map((node): [number, number] => [node.length, rows])]);

describe.each(bodyPaths)('Arrow bodies that lie about their lengths ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const postArrow = (url: string, payload: Buffer) => app.inject({ method: 'POST', url, payload, headers: { 'content-type': ARROW, accept: 'application/json' } });

  /** A 400 problem at `field`; its message, to check it says what is wrong. */
  const refused = (res: Awaited<ReturnType<typeof postArrow>>, field: string): string => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.errors?.[0]?.path, res.body).toBe(field);
    return problem.errors[0].message as string;
  };

  it('the honest 12,345-row stream still scores, as the same rows sent as JSON', async () => {
    const res = await postArrow('/v1/arrow/auroc', honest);
    expect(res.statusCode, res.body).toBe(200);
    const json = await app.inject({ method: 'POST', url: '/v1/auroc', payload: { preds: Array.from(preds), labels: Array.from(labels) } });
    expect(json.statusCode, json.body).toBe(200);
    expect(res.json().auroc).toBe(json.json().auroc);
    expect(int64At(honest, batch.length)).toBe(BigInt(ROWS));
  });

  it('the issue: a 12,345-row stream whose record batch claims 20,000 rows is a 400 at preds', async () => {
    const message = refused(await postArrow('/v1/arrow/auroc', patchInt64(honest, batch.length, 20_000)), 'preds');
    expect(message).toMatch(/20000 rows.*12345/);
  });

  it('the batch and both columns claiming 20,000 rows is a 400 at preds: its values buffer holds 12,345', async () => {
    expect(refused(await postArrow('/v1/arrow/auroc', claiming(20_000)), 'preds')).toMatch(/20000 values.*holds 12345/);
    refused(await postArrow('/v1/arrow/metrics?metrics=auroc', claiming(20_000)), 'preds');
  });

  it('3x10^7 rows claimed by a 111 KB body is a 400 at preds, before anything is sized by the claim', async () => {
    expect(honest.length).toBeLessThan(120_000);
    expect(refused(await postArrow('/v1/arrow/auroc', claiming(30_000_000)), 'preds')).toMatch(/30000000 values/);
  });

  it('labels claiming more rows than the batch is a 400 at labels', async () => {
    expect(refused(await postArrow('/v1/arrow/auroc', patchInt64(honest, batch.nodes[1].length, 20_000)), 'labels')).toMatch(/12345 rows.*20000/);
  });

  it('a labels values buffer declared 1,000 bytes short is a 400 at labels', async () => {
    const short = patchInt64(honest, batch.buffers[3].length, Number(int64At(honest, batch.buffers[3].length)) - 1000);
    expect(refused(await postArrow('/v1/arrow/auroc', short), 'labels')).toMatch(/values buffer holds/);
  });

  it('a labels values buffer placed past the end of the body is a 400 at labels', async () => {
    const moved = patchInt64(honest, batch.buffers[3].offset, Number(int64At(honest, batch.buffers[3].offset)) + 4096);
    expect(refused(await postArrow('/v1/arrow/auroc', moved), 'labels')).toMatch(/past the end/);
  });

  it('preds declaring nulls without a validity bitmap is a 400 at preds', async () => {
    expect(refused(await postArrow('/v1/arrow/auroc', patchInt64(honest, batch.nodes[0].nullCount, 3)), 'preds')).toMatch(/3 nulls.*validity bitmap holds 0 bytes/);
  });

  it('preds declaring more nulls than rows is a 400 at preds', async () => {
    expect(refused(await postArrow('/v1/arrow/auroc', patchInt64(honest, batch.nodes[0].nullCount, 20_000)), 'preds')).toMatch(/20000 nulls in 12345 rows/);
  });

  it('a validity bitmap with nulls under a null_count of 0 (apache-arrow drops the bitmap) is a 400 at preds', async () => {
    const bitmap = new Uint8Array(Math.ceil(ROWS / 8)).fill(0xff);
    bitmap[0] = 0b1111_1010; // rows 0 and 2 are null
    const withNulls = makeVector(makeData({ type: new Float64(), length: ROWS, nullCount: 2, nullBitmap: bitmap, data: preds }));
    const stream = arrowStream({ preds: withNulls as never, labels: column(labels) });
    const [nullable] = recordBatches(stream);
    refused(await postArrow('/v1/arrow/auroc', stream), 'preds/0'); // honest: the null is named
    expect(refused(await postArrow('/v1/arrow/auroc', patchInt64(stream, nullable.nodes[0].nullCount, 0)), 'preds')).toMatch(/declares 0 nulls.*marks 2/);
  });

  it('a sample_weight column claiming 20,000 rows is a 400 at sample_weight', async () => {
    expect((await postArrow('/v1/arrow/auroc', weighted)).statusCode).toBe(200);
    refused(await postArrow('/v1/arrow/auroc', patchInt64(weighted, weightedBatch.nodes[2].length, 20_000)), 'sample_weight');
  });

  it('FixedSizeList preds whose batch claims more rows than their values hold is a 400 at preds', async () => {
    const rows = 300;
    const logits = Float64Array.from({ length: rows * 3 }, (_, i) => Math.sin(i));
    const classes = Int32Array.from({ length: rows }, (_, i) => i % 3);
    const stream = arrowStream({ preds: column(logits, 3), labels: column(classes) });
    const [list] = recordBatches(stream); // nodes: preds list, its values, labels
    const url = '/v1/arrow/auroc?task=multiclass&num_classes=3';
    expect((await postArrow(url, stream)).statusCode).toBe(200);
    const lie = patched(stream, [[list.length, 400], [list.nodes[0].length, 400], [list.nodes[1].length, 1200], [list.nodes[2].length, 400]]);
    expect(refused(await postArrow(url, lie), 'preds')).toMatch(/list values/);
    // The list values declared fewer than listSize per row.
    expect(refused(await postArrow(url, patchInt64(stream, list.nodes[1].length, 600)), 'preds')).toMatch(/300 lists of 3, but 600/);
  });

  it('a lie in the second of two record batches is a 400 at preds naming that batch', async () => {
    const half = ROWS >> 1;
    const part = (from: number, to: number) => new Table({ preds: column(preds.slice(from, to)), labels: column(labels.slice(from, to)) });
    const stream = Buffer.from(tableToIPC(new Table([...part(0, half).batches, ...part(half, ROWS).batches]), 'stream'));
    const batches = recordBatches(stream);
    expect(batches).toHaveLength(2);
    expect((await postArrow('/v1/arrow/auroc', stream)).json().auroc).toBe((await postArrow('/v1/arrow/auroc', honest)).json().auroc);
    const second = batches[1];
    const lie = patched(stream, [[second.length, ROWS], ...second.nodes.map((node): [number, number] => [node.length, ROWS])]);
    expect(refused(await postArrow('/v1/arrow/auroc', lie), 'preds')).toMatch(/^record batch 1 declares 12345 values/);
  });

  it('the Arrow IPC file format, whose footer places batches by offsets of its own, is refused for the stream format', async () => {
    const file = Buffer.from(tableToIPC(new Table({ preds: column(preds), labels: column(labels) }), 'file'));
    const res = await postArrow('/v1/arrow/auroc', file);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MALFORMED_BODY' });
    expect(res.json().detail).toMatch(/file format.*stream format/);
  });

  it('a field-node vector claiming 2,000,000 nodes inside a few hundred bytes of metadata is a malformed body', async () => {
    const res = await postArrow('/v1/arrow/auroc', patchUint32(honest, batch.nodeCount, 2_000_000));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MALFORMED_BODY' });
    expect(res.json().detail).toMatch(/field nodes of 2000000 elements/);
  });
});

// Sessions are created with the default body path (a session created with INLINE_MAX_BYTES = 0 is a 500 of its own).
describe('a session fed Arrow bodies that lie', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const refusedAt = (res: { statusCode: number; body: string; headers: Record<string, unknown>; json: () => any }, field: string) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors?.[0]?.path, res.body).toBe(field);
  };

  it('a session refuses the 20,000-row lie and still answers GET', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc'], input: 'probs' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const post = (payload: Buffer) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload, headers: { 'content-type': ARROW } });
    refusedAt(await post(patchInt64(honest, batch.length, 20_000)), 'preds');
    refusedAt(await post(claiming(20_000)), 'preds');
    expect((await post(honest)).statusCode).toBe(200);
    const state = await app.inject({ method: 'GET', url: `/v1/sessions/${id}` });
    expect(state.statusCode, state.body).toBe(200);
    expect(state.json()).toMatchObject({ rows: ROWS, batches: 1 });
  });
});
