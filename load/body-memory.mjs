/* global Buffer, fetch, setTimeout */
// Peak memory of one ~64 MiB JSON request: starts dist/server.js (npm run build first) with one
// worker, reads its VmHWM/VmRSS from /proc before and after, prints them and the bytes of peak
// RSS per body byte. Usage: [BODY_MIB=64] node load/body-memory.mjs auroc|metrics|focal-loss
// (the server takes the rest of the environment, e.g. a small container's limits)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const [endpoint = 'auroc'] = process.argv.slice(2);
const cwd = new URL('..', import.meta.url).pathname;
const port = 18000 + Math.floor(Math.random() * 1000);
const status = (pid) => Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^Vm(HWM|RSS)/.test(l)).map((l) => [l.split(':')[0], Math.round(parseInt(l.split(':')[1]) / 1024)]));
function body() {
  const target = Number(process.env.BODY_MIB ?? 64) * 1024 * 1024 - 4096;
  let n;
  if (endpoint === 'focal-loss') {
    // [N, 4] logits of small numbers, labels 0..3
    const rowText = '[0.12,-1.3,0.5,2.1]';
    n = Math.floor(target / (rowText.length + 3));
    return `{"preds":[${Array(n).fill(rowText).join(',')}],"labels":[${Array.from({ length: n }, (_, i) => i % 4).join(',')}],"gamma":2,"return_grad":true}`;
  }
  n = Math.floor(target / 7);
  const preds = Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100);
  const labels = Array.from({ length: n }, (_, i) => (i * 7919) % 2);
  const extra = endpoint === 'metrics' ? ',"task":"binary","metrics":["auroc","average_precision","accuracy","f1_score"]' : '';
  return `{"preds":[${preds.join(',')}],"labels":[${labels.join(',')}]${extra}}`;
}
const text = body();
const payload = Buffer.from(text);
console.log(endpoint, 'body MiB', (payload.length / 1048576).toFixed(1));
const child = spawn(`${cwd}/node_modules/.bin/node`, ['dist/server.js'], { cwd, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STORE_URL: 'memory:', WORKERS: '1', LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '300000', IDLE_TIMEOUT_MS: '310000', BODY_TIMEOUT_MS: '300000' }, stdio: ['ignore', 'inherit', 'inherit'] });
try {
  for (;;) { try { await fetch(`http://127.0.0.1:${port}/healthz`); break; } catch { await new Promise((r) => setTimeout(r, 200)); } }
  // Warm: one small (invalid) request, so the idle figure includes a started worker.
  await fetch(`http://127.0.0.1:${port}/v1/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text.slice(0, 10) });
  const before = status(child.pid);
  const res = await fetch(`http://127.0.0.1:${port}/v1/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  const answer = await res.text();
  const after = status(child.pid);
  console.log(endpoint, res.status, answer.slice(0, 120).replace(/\n/g, ' '));
  console.log(JSON.stringify({ endpoint, bodyMiB: +(payload.length / 1048576).toFixed(1), before, after, hwmPerBodyByte: +((after.VmHWM - before.VmRSS) / (payload.length / 1048576)).toFixed(2), hwmTotalPerBodyByte: +(after.VmHWM / (payload.length / 1048576)).toFixed(2) }));
} finally {
  child.kill('SIGKILL');
}
