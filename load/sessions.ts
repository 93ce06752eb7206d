/**
 * `npm run load:sessions`: issue 17's speed targets, each a ratio measured in one run.
 *
 *   1. Posting 64 × 10 JSON batches into a session (focal loss, AUROC, AP, F1), 32 connections,
 *      against /v1/score on the same body and server, rounds alternating: ≥ 0.6x with the
 *      embedded store, ≥ 0.5x with Redis on this machine.
 *   2. Computing exact binary AUROC + AP over 10,000,000 accumulated rows (GET of the session),
 *      against scikit-learn's roc_auc_score + average_precision_score on the same arrays
 *      (REFERENCE_PYTHON, default ../.venv-ref): ≤ 0.1x, with /healthz probed meanwhile
 *      (p99 < 30 ms: the compute runs in the worker pool).
 *   3. Stored bytes: exact binary per row, and a binned + threshold session at 1e4 and 1e7 rows.
 *
 * On 127.0.0.1 only; the service runs from dist/ as `npm start` runs it. `LOAD_ONLY=post` runs
 * the first part alone, `LOAD_ONLY=compute` the others.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { binaryBatch, multiclassBatch } from './data.js';
import { freePort } from '../scripts/free-port.js';
import { startRedis } from '../test/support/redis.js';
import { encodeChunk } from '../src/sessions/codec.js';
import { MemoryStore } from '../src/sessions/memory-store.js';
import { SessionService } from '../src/sessions/service.js';
import { prepareBody } from '../src/sessions/session.js';
import { TypedTensor } from '../src/batch/tensor.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const ROUNDS = 5;
const root = fileURLToPath(new URL('../', import.meta.url));
const venv = new URL('../../.venv-ref/bin/python', import.meta.url).pathname;
const PYTHON = process.env.REFERENCE_PYTHON ?? (existsSync(venv) ? venv : '/usr/bin/python3');
/** LOAD_ONLY=post: the posting benchmarks alone. */
class Done extends Error {}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function startService(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SESSION_MAX_ROWS: '50000000', BODY_LIMIT_BYTES: String(256 * 1024 * 1024), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null || attempt > 400) throw new Error('the service did not start');
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

const stop = async (child: ChildProcess) => {
  child.kill('SIGTERM');
  await once(child, 'exit');
};

const postJson = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};

const fire = (url: string, body: Buffer, seconds: number) =>
  autocannon({ url, method: 'POST', connections: 32, duration: seconds, headers: { 'content-type': 'application/json' }, body });

// 1. Posting batches, against /v1/score of the same body.
const small = multiclassBatch(64, 10, 11);
const preds = Array.from({ length: 64 }, (_, i) => Array.from(small.logits.subarray(i * 10, (i + 1) * 10)));
const labels = Array.from(small.labels);
const metrics = ['auroc', 'average_precision', 'f1_score'];
const batchBody = Buffer.from(JSON.stringify({ preds, labels }));
const scoreBody = Buffer.from(JSON.stringify({ preds, labels, metrics }));

execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const results: Array<Record<string, string>> = [];
const dir = mkdtempSync(join(tmpdir(), 'fa-load-sessions-'));
const redis = await startRedis();
try {
  for (const [store, url] of process.env.LOAD_ONLY === 'compute' ? [] : [
    ['embedded (SQLite)', `sqlite:${join(dir, 'load.sqlite')}`],
    ['Redis (same machine)', redis.url],
  ] as const) {
    const service = await startService({ STORE_URL: url });
    try {
      const session = await postJson(`${service.url}/v1/sessions`, { task: 'multiclass', num_classes: 10, loss: {}, metrics });
      const batches = `${service.url}/v1/sessions/${session.id as string}/batches`;
      const rounds = { session: [] as number[], score: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        rounds.session.push((await fire(batches, batchBody, SECONDS / ROUNDS)).requests.average);
        rounds.score.push((await fire(`${service.url}/v1/score`, scoreBody, SECONDS / ROUNDS)).requests.average);
      }
      const state = await fetch(`${service.url}/v1/sessions/${session.id as string}`).then((r) => r.json() as Promise<{ rows: number }>);
      const ratio = median(rounds.session) / median(rounds.score);
      results.push({
        benchmark: `POST 64 x 10 batches into a session, ${store}`,
        ours: `${median(rounds.session).toFixed(0)} req/s (${state.rows.toLocaleString('en')} rows accumulated)`,
        reference: `${median(rounds.score).toFixed(0)} req/s (/v1/score, same body)`,
        ratio: `${ratio.toFixed(2)}x`,
        target: store.startsWith('embedded') ? '>= 0.6x' : '>= 0.5x',
      });
    } finally {
      await stop(service.child);
    }
  }

  if (process.env.LOAD_ONLY === 'post') throw new Done();
  // 2. Compute over 1e7 accumulated rows, with /healthz probed; 100 batches of 100,000 rows.
  const ROWS = 10_000_000;
  const PART = 100_000;
  const data = binaryBatch(ROWS, 31);
  const service = await startService({ STORE_URL: `sqlite:${join(dir, 'compute.sqlite')}` });
  try {
    const session = await postJson(`${service.url}/v1/sessions`, { task: 'binary', input: 'probs', metrics: ['auroc', 'average_precision'] });
    const id = session.id as string;
    for (let at = 0; at < ROWS; at += PART) {
      await postJson(`${service.url}/v1/sessions/${id}/batches`, { preds: Array.from(data.scores.subarray(at, at + PART)), labels: Array.from(data.labels.subarray(at, at + PART)) });
    }
    // Five computes: the first in a worker pays for growing its WebAssembly memory; the median is
    // the steady state an epoch loop sees. Both are reported.
    const times: number[] = [];
    let healthP99 = 0;
    for (let run = 0; run < 5; run++) {
      const probe = autocannon({ url: `${service.url}/healthz`, connections: 1, duration: 4 });
      const started = performance.now();
      const answer = (await fetch(`${service.url}/v1/sessions/${id}`).then((r) => r.json())) as { rows: number; metrics: { auroc: { auroc: number } } };
      times.push(performance.now() - started);
      healthP99 = Math.max(healthP99, (await probe).latency.p99);
      if (answer.rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${answer.rows}`);
    }
    let reference: number | undefined;
    if (existsSync(PYTHON)) {
      writeFileSync(join(dir, 'scores.f64'), new Uint8Array(data.scores.buffer));
      writeFileSync(join(dir, 'labels.i32'), new Uint8Array(data.labels.buffer));
      const script = [
        'import sys, time, numpy as np',
        'from sklearn.metrics import roc_auc_score, average_precision_score',
        `s = np.fromfile(sys.argv[1] + "/scores.f64"); y = np.fromfile(sys.argv[1] + "/labels.i32", dtype=np.int32)`,
        'ts = []',
        'for _ in range(3):',
        '    t = time.perf_counter(); roc_auc_score(y, s); average_precision_score(y, s); ts.append(time.perf_counter() - t)',
        'print(sorted(ts)[1] * 1000)',
      ].join('\n');
      try {
        reference = Number(execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' }).trim());
      } catch (error) {
        console.warn(`scikit-learn not measured: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const ours = median(times);
    results.push({
      benchmark: 'GET a session: exact binary AUROC + AP over 10,000,000 rows (100 batches of 100,000)',
      ours: `${ours.toFixed(0)} ms, median of ${times.map((t) => t.toFixed(0)).join(', ')} (/healthz p99 ${healthP99} ms meanwhile)`,
      reference: reference === undefined ? 'n/a' : `${reference.toFixed(0)} ms (scikit-learn roc_auc_score + average_precision_score)`,
      ratio: reference === undefined ? 'n/a' : `${(ours / reference).toFixed(3)}x`,
      target: '<= 0.1x, p99 < 30 ms',
    });
    results.push({ benchmark: 'SQLite file after 10,000,000 exact binary rows', ours: `${(statSync(join(dir, 'compute.sqlite')).size / ROWS).toFixed(2)} bytes a row (WAL checkpointed or not)`, reference: '', ratio: '', target: '' });
  } finally {
    await stop(service.child);
  }

  // 3. Stored bytes, straight from the codec: exact binary per row, and constant-size states.
  const chunk = encodeChunk({ task: 'binary', input: 'probs', rows: 64, classes: 1, preds: new Float64Array(64), labels: new Int32Array(64), ignoreIndex: null, weights: null, warnings: [] });
  results.push({ benchmark: 'exact binary rows chunk, 64-row batches', ours: `${(chunk.byteLength / 64).toFixed(2)} bytes a row`, reference: '', ratio: '', target: '<= 10 bytes a row' });
  // Count states as a store keeps them, in-process: one blob whatever the rows.
  for (const rows of [10_000, 10_000_000]) {
    const service = new SessionService(new MemoryStore(), { maxRows: 50_000_000, maxScores: 50_000_000, maxStateBytes: 64 * 1024 * 1024, ttlSeconds: 3600 });
    const { record } = await service.create(
      { task: 'binary', input: 'probs', loss: null, metrics: [{ name: 'auroc', thresholds: 200 }, { name: 'average_precision', thresholds: 200 }, 'f1_score', 'calibration_error', 'log_loss'] } as never,
      null,
    );
    const batch = binaryBatch(100_000, 41);
    const part = Math.min(rows, 100_000);
    const body = { preds: new TypedTensor(batch.scores.subarray(0, part), [part]), labels: new TypedTensor(batch.labels.subarray(0, part), [part]) };
    for (let at = 0; at < rows; at += part) await service.addBatch(record.id, null, async (config) => prepareBody(config, { kind: 'validated', body }), undefined);
    const { state } = await service.load(record.id, null);
    results.push({
      benchmark: `binned (200 thresholds) AUROC + AP, F1, calibration, log loss: stored state at ${rows.toLocaleString('en')} rows`,
      ours: `${state.counts?.byteLength ?? 0} bytes (${state.chunks.length} rows chunks)`,
      reference: '',
      ratio: '',
      target: 'the same at 1e4 and 1e7 rows',
    });
  }
} catch (error) {
  if (!(error instanceof Done)) throw error;
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.table(results);
