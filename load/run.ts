/**
 * `npm run load`: the throughput scenarios of the service against a bare Fastify baseline,
 * both started fresh by this harness in the same run, on 127.0.0.1 only. Prints one table
 * (req/s and p50 as medians of alternating rounds, worst p99, MB/s, server peak RSS, ratio to
 * the baseline, and the target the ratio is held to, where a scenario has one: the targets table
 * of load/README.md); timings are ratios because these machines are noisy. `LOAD_SECONDS` sets
 * each scenario's length (default 10; `npm run load:smoke` runs 1 s each); words after the
 * command, or `LOAD_ONLY`, keep only the scenarios whose name contains one
 * (`npm run load -- 'big focal'`, `LOAD_ONLY='big focal' npm run load`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Float32, Int8, Table, makeData, makeVector, tableToIPC } from 'apache-arrow';
import { THRESHOLD_FAMILY, binaryBatch, multiclassBatch, softmaxRows } from './data.js';
import { freePort } from '../scripts/free-port.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
/** Alternating rounds per scenario (each SECONDS / ROUNDS long). */
const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const root = fileURLToPath(new URL('../', import.meta.url));


interface Server {
  child: ChildProcess;
  url: string;
}

async function start(kind: 'service' | 'baseline', env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const args = kind === 'service' ? ['dist/server.js'] : ['--import', 'tsx', 'load/baseline-server.ts', String(port)];
  const child = spawn(process.execPath, args, {
    cwd: root,
    // autocannon keeps sending on a connection the server has answered `Connection: close`
    // (MAX_REQUESTS_PER_SOCKET), and counts the 503s that follow as requests served: the limit is
    // off here, so every request measured is a computed one.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MAX_REQUESTS_PER_SOCKET: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  // Ready when /healthz answers (bounded: 20 s).
  for (let attempt = 0; ; attempt++) {
    if (exited || attempt > 400) throw new Error(`${kind} did not start`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Peak resident memory of a process so far (Linux VmHWM), in MiB. */
const peakRssMiB = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

interface Load {
  path: string;
  body: Buffer;
  contentType: string;
  connections: number;
}

const fire = (url: string, load: Load, seconds = SECONDS) =>
  autocannon({
    url: url + load.path,
    method: 'POST',
    connections: load.connections,
    duration: seconds,
    headers: { 'content-type': load.contentType },
    body: load.body,
  });

/**
 * Liveness probes at a fixed pace, as a balancer's or kubelet's are, to see how long /healthz
 * waits while the scenario runs. Paced rather than back to back: a server that answers at once
 * (ours, parsing in workers) would otherwise get thousands of probes a second, each a socket
 * write on its main thread and a request made by this process, on the same two cores as the
 * scenario, while one that blocks (the baseline) gets a few dozen; the probe would then load the
 * responsive server and call it slower.
 */
const HEALTH_PROBES_PER_SECOND = 20;
const probeHealth = (url: string, seconds = SECONDS) => autocannon({ url: `${url}/healthz`, connections: 1, duration: seconds, overallRate: HEALTH_PROBES_PER_SECOND });

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const rowsOf = (flat: Float64Array, width: number, digits?: number) =>
  Array.from({ length: flat.length / width }, (_, i) => Array.from(flat.subarray(i * width, (i + 1) * width), (v) => (digits === undefined ? v : Number(v.toFixed(digits)))));

const smallFocal = multiclassBatch(64, 10, 11);
// 127,000 x 10 logits of 4 decimals: the 9.8 MB body of issue 25.
const bigFocal = multiclassBatch(127_000, 10, 12);
// Probabilities of the small batch (softmax of its logits).
const smallProbs = softmaxRows(smallFocal.logits, 10);
const smallBinary = binaryBatch(256, 13);
const arrowBinary = binaryBatch(1_000_000, 14);

/**
 * A scenario runs its load against the service and the same load against the bare Fastify
 * baseline; with `against`, the baseline is instead another operation of the same service.
 */
const scenarios: Array<{ name: string; load: Load; health?: boolean; rows?: number; target?: number; against?: { name: string; load: Load } }> = [
  {
    name: 'small focal loss, 64 x 10 JSON, 32 connections',
    target: 0.85,
    load: { path: '/v1/focal-loss', body: json({ preds: rowsOf(smallFocal.logits, 10), labels: Array.from(smallFocal.labels) }), contentType: 'application/json', connections: 32 },
  },
  {
    // What a training step asks for: the loss and its gradient, a 12.8 KB answer to serialize.
    name: 'small focal loss with gradient, 64 x 10 JSON, 32 connections',
    load: {
      path: '/v1/focal-loss',
      body: json({ preds: rowsOf(smallFocal.logits, 10), labels: Array.from(smallFocal.labels), return_grad: true }),
      contentType: 'application/json',
      connections: 32,
    },
  },
  {
    name: 'small binary AUROC, 256 JSON, 32 connections',
    load: { path: '/v1/auroc', body: json({ preds: Array.from(smallBinary.scores), labels: Array.from(smallBinary.labels) }), contentType: 'application/json', connections: 32 },
  },
  {
    name: 'score (loss + AUROC + AP), 64 x 10 JSON, 32 connections',
    load: {
      path: '/v1/score',
      body: json({ preds: rowsOf(smallFocal.logits, 10), labels: Array.from(smallFocal.labels), metrics: ['auroc', 'average_precision'] }),
      contentType: 'application/json',
      connections: 32,
    },
  },
  {
    // Measured against /v1/auroc on the same batch and server, rounds alternating.
    name: 'sixteen threshold metrics of a 64 x 10 batch vs /v1/auroc of it, 32 connections',
    target: 0.7,
    load: {
      path: '/v1/metrics',
      body: json({ preds: rowsOf(smallProbs, 10), labels: Array.from(smallFocal.labels), metrics: THRESHOLD_FAMILY }),
      contentType: 'application/json',
      connections: 32,
    },
    against: {
      name: '/v1/auroc',
      load: { path: '/v1/auroc', body: json({ preds: rowsOf(smallProbs, 10), labels: Array.from(smallFocal.labels) }), contentType: 'application/json', connections: 32 },
    },
  },
  {
    // Issue 25: at least 0.8x of the bare Fastify route, which parses the same body with JSON.parse.
    name: 'big focal loss, 127,000 x 10 JSON (9.8 MB), 4 connections, /healthz probed',
    target: 0.8,
    load: { path: '/v1/focal-loss', body: json({ preds: rowsOf(bigFocal.logits, 10, 4), labels: Array.from(bigFocal.labels) }), contentType: 'application/json', connections: 4 },
    health: true,
  },
  {
    name: 'Arrow binary AUROC, 1,000,000 rows (Float32, Int8), 2 connections',
    load: {
      path: '/v1/auroc',
      body: Buffer.from(
        tableToIPC(
          new Table({
            preds: makeVector(makeData({ type: new Float32(), length: 1_000_000, data: Float32Array.from(arrowBinary.scores) } as never)),
            labels: makeVector(makeData({ type: new Int8(), length: 1_000_000, data: Int8Array.from(arrowBinary.labels) } as never)),
          }),
          'stream',
        ),
      ),
      contentType: 'application/vnd.apache.arrow.stream',
      connections: 2,
    },
    rows: 1_000_000,
  },
];

// Words after the command, or LOAD_ONLY (as in load/sessions.ts), keep the scenarios named by one.
const only = [...process.argv.slice(2), ...(process.env.LOAD_ONLY ? [process.env.LOAD_ONLY] : [])];
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const table: Array<Record<string, string>> = [];
for (const scenario of scenarios) {
  if (only.length && !only.some((word) => scenario.name.includes(word))) continue;
  // Both servers run side by side; rounds alternate between them and medians are compared, so
  // drift on a noisy machine hits both alike.
  const kinds = scenario.rows ? (['service'] as const) : (['baseline', 'service'] as const);
  const servers = Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await start(scenario.against ? 'service' : kind)] as const))) as Record<string, Server>;
  const loadOf = (kind: string) => (kind === 'baseline' && scenario.against ? scenario.against.load : scenario.load);
  for (const kind of kinds) await fire(servers[kind].url, loadOf(kind), 1); // warm-up
  const rounds = Math.max(1, Math.min(ROUNDS, Math.floor(SECONDS)));
  const samples: Record<string, Array<{ rps: number; p50: number; p99: number; mbps: number; non2xx: number; healthP99?: number }>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const server = servers[kind];
      const [run, health] = await Promise.all([
        fire(server.url, loadOf(kind), SECONDS / rounds),
        scenario.health ? probeHealth(server.url, SECONDS / rounds) : Promise.resolve(null),
      ]);
      (samples[kind] ??= []).push({
        rps: run.requests.average,
        p50: run.latency.p50,
        p99: run.latency.p99,
        mbps: run.throughput.average / 1e6,
        non2xx: run.non2xx + run.errors,
        ...(health ? { healthP99: health.latency.p99 } : {}),
      });
    }
  }
  const results: Record<string, { rps: number; p50: number; p99: number; mbps: number; rss: number; non2xx: number; healthP99?: number }> = {};
  for (const kind of kinds) {
    const runs = samples[kind];
    results[kind] = {
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: Math.max(...runs.map((r) => r.p99)),
      mbps: median(runs.map((r) => r.mbps)),
      rss: peakRssMiB(servers[kind].child.pid!),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      ...(scenario.health ? { healthP99: Math.max(...runs.map((r) => r.healthP99 ?? 0)) } : {}),
    };
    await stop(servers[kind]);
  }
  for (const [kind, r] of Object.entries(results)) {
    table.push({
      scenario: scenario.name,
      server: kind === 'baseline' && scenario.against ? `service, ${scenario.against.name}` : kind,
      'req/s': r.rps.toFixed(1),
      'p50 ms': String(r.p50),
      'p99 ms': String(r.p99),
      'MB/s sent': r.mbps.toFixed(1),
      'peak RSS MiB': r.rss.toFixed(0),
      'non-2xx': String(r.non2xx),
      '/healthz p99 ms': r.healthP99 === undefined ? '' : String(r.healthP99),
      'vs baseline': kind === 'service' && results.baseline ? (r.rps / results.baseline.rps).toFixed(2) + 'x' : scenario.rows ? `${((r.rps * scenario.rows) / 1e6).toFixed(1)}M rows/s` : '',
      target:
        kind === 'service' && results.baseline && scenario.target !== undefined
          ? `≥ ${scenario.target}x: ${r.rps / results.baseline.rps >= scenario.target ? 'met' : 'missed'}`
          : '',
    });
  }
}
console.table(table);
const header = Object.keys(table[0] ?? {});
console.log(['', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...table.map((row) => `| ${header.map((h) => row[h]).join(' | ')} |`)].join('\n'));
