import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot, startServer } from './support/server-process.js';

describe('the server process', () => {
  it('starts ready (/healthz and /readyz 200), computes, and exits 0 on SIGTERM', async () => {
    // How fast it starts is the benchmarks' business (load/), not an assertion: that it starts.
    const server = await startServer();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const auroc = await fetch(`${server.url}/v1/auroc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preds: [0.13, 0.26, 0.08, 0.19, 0.34], labels: [0, 0, 1, 1, 1] }),
    });
    expect(((await auroc.json()) as { auroc: number }).auroc).toBe(0.5);

    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
  });

  it('logs one JSON line per request with route, status, duration and batch shape, never the body', async () => {
    const server = await startServer();
    await fetch(`${server.url}/v1/focal-loss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preds: [[1.5, -0.25], [0.75, 2.125]], labels: [0, 1] }),
    });
    server.child.kill('SIGTERM');
    await server.exit;
    const lines = server.output().split('\n').filter((l) => l.includes('request completed'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ route: '/v1/focal-loss', status: 200, batch: { preds: [2, 2] }, reqId: expect.any(String) });
    expect(typeof entry.ms).toBe('number');
    expect(server.output()).not.toContain('2.125');
  });

  it('logs the shape of a batch computed in the worker pool too, with its format and size', async () => {
    const server = await startServer({ INLINE_MAX_BYTES: '0' });
    await fetch(`${server.url}/v1/auroc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preds: [[0.5, 0.25, 0.25], [0.125, 0.75, 0.125], [0.25, 0.25, 0.5]], labels: [0, 1, 2] }),
    });
    server.child.kill('SIGTERM');
    await server.exit;
    const lines = server.output().split('\n').filter((l) => l.includes('request completed'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ route: '/v1/auroc', status: 200, batch: { format: 'json', bytes: expect.any(Number), preds: [3, 3] } });
  });

  it('refuses to start on an invalid variable, naming it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: projectRoot,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/PORT:/);
  });
});
