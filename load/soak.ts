/**
 * `npm run soak`: 60 s of mixed traffic on 127.0.0.1 against a fresh server (valid batches,
 * invalid ones, oversized ones, JSON and Arrow), 16 concurrent clients. Every answer must have
 * the status its request calls for; server RSS at the end must stay within 10% of RSS after a
 * 10 s warm-up. Prints both figures. `SOAK_SECONDS` shortens it.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Float32, Int8, Table, makeData, makeVector, tableToIPC } from 'apache-arrow';
import { binaryBatch, multiclassBatch } from './data.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const WARMUP = Math.min(10, SECONDS / 3);
const root = fileURLToPath(new URL('../', import.meta.url));

const server = createServer().listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as { port: number }).port;
server.close();

execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const child = spawn(process.execPath, ['dist/server.js'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', BODY_LIMIT_BYTES: String(2 * 1024 * 1024) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 400 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 50));

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
const focal = multiclassBatch(64, 10, 21);
const big = multiclassBatch(5_000, 10, 22);
const binary = binaryBatch(20_000, 23);
const rows = (flat: Float64Array, w: number) => Array.from({ length: flat.length / w }, (_, i) => Array.from(flat.subarray(i * w, (i + 1) * w)));
const arrow = Buffer.from(
  tableToIPC(
    new Table({
      preds: makeVector(makeData({ type: new Float32(), length: 20_000, data: Float32Array.from(binary.scores) } as never)),
      labels: makeVector(makeData({ type: new Int8(), length: 20_000, data: Int8Array.from(binary.labels) } as never)),
    }),
    'stream',
  ),
);

const mix: Array<{ name: string; path: string; body: string | Buffer; type: string; expect: number }> = [
  { name: 'valid small focal', path: '/v1/focal-loss', body: JSON.stringify({ preds: rows(focal.logits, 10), labels: Array.from(focal.labels), return_grad: true }), type: 'application/json', expect: 200 },
  { name: 'valid pooled focal', path: '/v1/focal-loss', body: JSON.stringify({ preds: rows(big.logits, 10), labels: Array.from(big.labels) }), type: 'application/json', expect: 200 },
  { name: 'valid score', path: '/v1/score', body: JSON.stringify({ preds: rows(focal.logits, 10), labels: Array.from(focal.labels), metrics: ['auroc', 'average_precision'] }), type: 'application/json', expect: 200 },
  { name: 'valid Arrow AUROC', path: '/v1/auroc', body: arrow, type: 'application/vnd.apache.arrow.stream', expect: 200 },
  { name: 'invalid label', path: '/v1/auroc', body: JSON.stringify({ preds: [0.1, 0.2], labels: [0, 7] }), type: 'application/json', expect: 400 },
  { name: 'malformed JSON', path: '/v1/focal-loss', body: '{"preds": [1, 2', type: 'application/json', expect: 400 },
  { name: 'wrong content type', path: '/v1/auroc', body: 'preds=1', type: 'text/plain', expect: 415 },
  { name: 'oversized', path: '/v1/focal-loss', body: JSON.stringify({ preds: Array(400_000).fill(0.5), labels: Array(400_000).fill(0) }), type: 'application/json', expect: 413 },
];

const counts = new Map<string, { ok: number; unexpected: number; resets: number; seen: Set<number> }>();
let rssAfterWarmup = 0;
const started = Date.now();
setTimeout(() => {
  rssAfterWarmup = rssMiB();
}, WARMUP * 1000);
await Promise.all(
  Array.from({ length: 16 }, async (_, client) => {
    for (let i = client; Date.now() - started < SECONDS * 1000; i++) {
      const request = mix[i % mix.length];
      const res = await fetch(base + request.path, { method: 'POST', headers: { 'content-type': request.type }, body: request.body }).catch(() => null);
      if (res) await res.arrayBuffer();
      const entry = counts.get(request.name) ?? { ok: 0, unexpected: 0, resets: 0, seen: new Set<number>() };
      const status = res?.status ?? 0;
      entry.seen.add(status);
      if (status === request.expect) entry.ok++;
      // A 413 is sent as soon as Content-Length exceeds the limit, and the connection closed: a
      // client still uploading may see the reset before the answer. Counted apart, not hidden.
      else if (status === 0 && request.expect === 413) entry.resets++;
      else entry.unexpected++;
      counts.set(request.name, entry);
    }
  }),
);
const rssEnd = rssMiB();
child.kill('SIGTERM');
await once(child, 'exit');

console.table(
  [...counts].map(([name, c]) => ({ request: name, sent: c.ok + c.unexpected + c.resets, expected: c.ok, unexpected: c.unexpected, 'reset while uploading': c.resets, statuses: [...c.seen].join(' ') })),
);
const unexpected = [...counts.values()].reduce((sum, c) => sum + c.unexpected, 0);
const growth = (rssEnd - rssAfterWarmup) / rssAfterWarmup;
console.log(`RSS after ${WARMUP}s warm-up: ${rssAfterWarmup.toFixed(0)} MiB; at the end (${SECONDS}s): ${rssEnd.toFixed(0)} MiB (${(growth * 100).toFixed(1)}%)`);
console.log(`unexpected statuses: ${unexpected}`);
process.exitCode = unexpected === 0 && growth <= 0.1 ? 0 : 1;
