import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float64 } from 'apache-arrow';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { patchInt64, recordBatches } from '../support/arrow-patch.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

/**
 * Resource-hostile requests against a real service process: giant thresholds, many heavy
 * entries, bootstrap resamples, Arrow streams that lie about their lengths, deep nesting. Every
 * one is answered (never a 5xx), the process never exits, and its resident memory (read from
 * /proc, worker threads included) stays under 1 GiB throughout: each is priced and refused, or
 * computed within its price.
 */

const GiB = 1024 ** 3;

let server: ServerProcess;

/** Resident and peak resident bytes of the service process (its worker threads are in it). */
function memory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

const send = async (url: string, body: string | Uint8Array, type = 'application/json') => {
  const response = await fetch(`${server.url}${url}`, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: response.status, text: await response.text() };
};

/** The outcome every hostile request must have: an answer below 500, the process alive and small. */
function answeredWithin(answer: { status: number; text: string }, what: string): void {
  expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(server.child.exitCode, 'the service exited').toBeNull();
  expect(memory().rss, `${what}: resident memory`).toBeLessThan(GiB);
}

beforeAll(async () => {
  // A single worker, and work priced at most ~0.5 s, so what is accepted is also quick to answer.
  // Bodies and headers that stop arriving are cut after 2 s and 1 s.
  server = await startServer({ WORKERS: '1', MAX_WORK: '50000000', BODY_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '1000' });
}, 120_000);

afterAll(async () => {
  server.child.kill('SIGKILL');
  await server.exit;
});

const ranking = ['/v1/metrics', '/v1/auroc', '/v1/average-precision', '/v1/roc', '/v1/precision-recall-curve', '/v1/sessions'] as const;

describe('resource-hostile requests: no 5xx, no exit, resident memory under 1 GiB', () => {
  it('giant binned thresholds over many classes, on every ranking endpoint and at session creation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ranking), fc.integer({ min: 2, max: 2000 }), fc.integer({ min: 2, max: 100_000 }), async (url, classes, thresholds) => {
        const preds = [Array.from({ length: classes }, (_, c) => (c === 0 ? 0.9 : 0.1 / classes))];
        const batch = { preds, labels: [0], task: 'multiclass', num_classes: classes };
        const body =
          url === '/v1/metrics'
            ? { ...batch, metrics: [{ name: 'auroc', thresholds }, { name: 'average_precision', thresholds }] }
            : url === '/v1/sessions'
              ? { task: 'multiclass', num_classes: classes, metrics: [{ name: 'auroc', thresholds }] }
              : { ...batch, thresholds };
        answeredWithin(await send(url, JSON.stringify(body)), `${url} ${classes} classes × ${thresholds} thresholds`);
      }),
      { numRuns: 40, seed: 23 },
    );
  }, 300_000);

  it('many heavy entries in one small body: binned grids, bootstrap resamples, one-vs-one', async () => {
    const entry = fc.oneof(
      fc.integer({ min: 2, max: 100_000 }).map((thresholds) => ({ name: 'auroc', thresholds })),
      fc.integer({ min: 10, max: 20_000 }).map((n) => ({ name: 'auroc', ci: { method: 'bootstrap', n_resamples: n } })),
      fc.integer({ min: 10, max: 20_000 }).map((n) => ({ name: 'average_precision', ci: { method: 'bootstrap', n_resamples: n } })),
      fc.integer({ min: 2, max: 100_000 }).map((thresholds) => ({ name: 'precision_at_fixed_recall', min_recall: 0.5, thresholds })),
      fc.integer({ min: 1, max: 10_000 }).map((n_bins) => ({ name: 'calibration_error', n_bins })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 256 }), fc.integer({ min: 2, max: 500 }), async (entries, rows) => {
        const metrics = entries.map((e, i) => ({ ...e, key: `m${i}` }));
        const preds = Array.from({ length: rows }, (_, i) => ((i * 7919) % 997) / 997);
        const labels = Array.from({ length: rows }, (_, i) => i % 2);
        answeredWithin(await send('/v1/metrics', JSON.stringify({ preds, labels, metrics })), `${entries.length} entries over ${rows} rows`);
      }),
      { numRuns: 25, seed: 23 },
    );
  }, 300_000);

  it('Arrow streams that claim more rows than their buffers hold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom('/v1/arrow/auroc', '/v1/arrow/metrics'), async (rows, extra, url) => {
        const preds = Float64Array.from({ length: rows }, (_, i) => ((i * 31) % 101) / 101);
        const labels = Float64Array.from({ length: rows }, (_, i) => i % 2);
        const stream = arrowStream({ preds: column(preds, 1, new Float64()), labels: column(labels, 1, new Float64()) });
        const [batch] = recordBatches(stream);
        const lying = patchInt64(stream, batch.length, rows + extra);
        const answer = await send(`${url}${url.endsWith('metrics') ? '?metrics=auroc' : ''}`, lying, ARROW);
        answeredWithin(answer, `${rows} rows claiming ${rows + extra}`);
        expect(answer.status).toBe(400);
      }),
      { numRuns: 30, seed: 23 },
    );
  }, 300_000);

  it('deep nesting inside a metrics entry, a session creation and a batch', async () => {
    for (const depth of [5_000, 100_000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      for (const inner of [nested, deepObject]) {
        answeredWithin(await send('/v1/metrics', `{"preds": [0.2, 0.7], "labels": [0, 1], "metrics": [{"name": ${inner}}]}`), `metrics name nested ${depth}`);
        answeredWithin(await send('/v1/metrics', `{"preds": [0.2, 0.7], "labels": [0, 1], "metrics": [{"name": "auroc", "thresholds": ${inner}}]}`), `thresholds nested ${depth}`);
        answeredWithin(await send('/v1/sessions', `{"task": "binary", "metrics": [${inner}]}`), `session metrics nested ${depth}`);
        answeredWithin(await send('/v1/score', `{"preds": ${inner}, "labels": [0, 1]}`), `preds nested ${depth}`);
      }
    }
  });

  it('slow bodies: 16 connections that announce 32 MiB and stop after a few KiB are cut, while /healthz answers', async () => {
    const { hostname, port } = new URL(server.url);
    const cut = Array.from({ length: 16 }, async (_, i) => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {}); // a reset is a cut too
      socket.resume(); // read the 408, so the socket sees the server's end and closes
      const closed = once(socket, 'close');
      await once(socket, 'connect');
      socket.write(`POST /v1/${i % 2 ? 'metrics' : 'auroc'} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${32 * 1024 * 1024}\r\n\r\n{"preds":[${'0.5,'.repeat(1000)}`);
      await closed;
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    await Promise.all(cut);
    answeredWithin({ status: (await fetch(`${server.url}/healthz`)).status, text: '' }, 'after the slow bodies');
  });

  it('a long pipeline on one connection: at most MAX_REQUESTS_PER_SOCKET (100) are computed, the rest answered 503 at once', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(2000));
    const count = (status: number) => received.match(new RegExp(`HTTP/1\\.1 ${status}`, 'g'))?.length ?? 0;
    await until(async () => count(200) + count(503) === 2000 || socket.destroyed, 150_000, 'every pipelined request answered');
    socket.destroy();
    expect(count(200)).toBeGreaterThan(0);
    expect(count(200)).toBeLessThanOrEqual(100);
    answeredWithin({ status: (await fetch(`${server.url}/healthz`)).status, text: '' }, 'after the pipeline');
  });


  it('kept its peak resident memory under 1 GiB through all of the above, and still answers', async () => {
    expect(memory().peak).toBeLessThan(GiB);
    const answer = await send('/v1/auroc', JSON.stringify({ preds: [0.1, 0.9, 0.4], labels: [0, 1, 1] }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).auroc).toBe(1);
  });
});
