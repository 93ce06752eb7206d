import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { SqliteStore } from '../../src/sessions/sqlite-store.js';
import { SqliteThreadStore } from '../../src/sessions/sqlite-thread-store.js';
import { testApp } from '../support/app.js';
import { startServer } from '../support/server-process.js';
import { batch, record } from '../support/store-changes.js';

/**
 * The embedded SQLite store under a locked file, a full file and an unwritable folder, on real
 * files in a temporary folder. The lock is another connection's `BEGIN EXCLUSIVE` held by this
 * test's own thread: the store waits for it in its own thread, so this one stays free.
 */

let folder: string;
let files = 0;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'fa-sqlite-store-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

const newFile = () => join(folder, `sessions-${++files}.sqlite`);

/** Another connection on `file`, closed after the test (its transaction rolled back). */
function connection(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  cleanups.push(() => {
    if (db.isOpen) db.close();
  });
  return db;
}

async function appOn(file: string, config: Parameters<typeof testApp>[0] = {}): Promise<App> {
  const app = await testApp({ STORE_URL: `sqlite:${file}`, ...config });
  cleanups.push(() => app.close());
  return app;
}

const SESSION = { task: 'binary', input: 'probs', metrics: ['auroc', 'accuracy'] };

/** A binary batch of `rows` rows (its chunk about 9 bytes a row). */
const rowsBatch = (rows: number) => ({ preds: Array.from({ length: rows }, (_, i) => ((i * 7919) % 1000) / 1000), labels: Array.from({ length: rows }, (_, i) => i % 2) });

async function createSession(app: App): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/sessions', payload: SESSION });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}


/** A threaded store over a new file with one session, and another connection holding the file's lock. */
async function lockedSession() {
  const file = newFile();
  const store = await SqliteThreadStore.open(file);
  cleanups.push(() => store.close());
  const r = record();
  await store.create(r);
  const locker = connection(file);
  locker.exec('BEGIN EXCLUSIVE');
  return { file, store, r, locker };
}
describe('a file locked by another process', () => {
  it('holds only the store\'s thread: /healthz (200) and /readyz (503) answer while 8 batches wait, and each lands once after the lock goes', async () => {
    const file = newFile();
    const app = await appOn(file);
    const id = await createSession(app);
    const locker = connection(file);
    locker.exec('BEGIN EXCLUSIVE');
    // Fastify's handler channel says when each batch's handler starts: from there it calls the
    // store without waiting for anything else, so once all 8 have started, all 8 are at the store.
    const started = new Promise<void>((resolve) => {
      let handlers = 0;
      const onStart = (message: unknown) => {
        if (!(message as { request: { url: string } }).request.url.endsWith('/batches')) return;
        if (++handlers === 8) resolve();
      };
      subscribe('tracing:fastify.request.handler:start', onStart);
      cleanups.push(() => unsubscribe('tracing:fastify.request.handler:start', onStart));
    });
    const answered: number[] = [];
    const batches = Array.from({ length: 8 }, (_, i) =>
      app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: rowsBatch(4), headers: { 'idempotency-key': `b${i}` } }).then((res) => {
        answered.push(i);
        return res;
      }),
    );
    await started;
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    // So is /readyz, 503: the store's thread is held by the lock, and says so.
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().detail).toMatch(/lock/);
    // Both answered while the lock is still held, and before any batch.
    expect(answered).toEqual([]);
    locker.exec('ROLLBACK');
    const results = await Promise.all(batches);
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const state = (await app.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
    expect([state.rows, state.batches]).toEqual([32, 8]);
  });

  it('makes /readyz 503 naming the lock while it is held, 200 once released', async () => {
    const file = newFile();
    const app = await appOn(file);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const locker = connection(file);
    locker.exec('BEGIN EXCLUSIVE');
    const locked = await app.inject({ method: 'GET', url: '/readyz' });
    expect(locked.statusCode).toBe(503);
    expect(locked.headers['retry-after']).toBe('1');
    expect(locked.json().detail).toMatch(/locked/);
    locker.exec('ROLLBACK');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers a batch that waited past the busy timeout 503 with Retry-After, naming the lock', async () => {
    const { file, store, r, locker } = await lockedSession();
    await expect(store.apply(r.id, batch())).rejects.toThrow(new RegExp(`${file} is locked by another connection .*database is locked`));
    locker.exec('ROLLBACK');
    expect((await store.apply(r.id, batch())).kind).toBe('applied');
  }, 20_000);
});

describe('the store\'s thread', () => {
  it('fails the calls it had not answered when it dies, and the next call starts another', async () => {
    const { store, r, locker } = await lockedSession();
    const waiting = store.apply(r.id, batch());
    // The thread dies (as by a fatal error) while the batch waits for the lock.
    await (store as unknown as { worker: Worker }).worker.terminate();
    await expect(waiting).rejects.toThrow(/the SQLite store's thread stopped/);
    locker.exec('ROLLBACK');
    expect(await store.apply(r.id, batch())).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 4, batches: 1, key: null }) });
  });

  it('answers what it was given before it closes: batches waiting for their group commit are committed', async () => {
    const file = newFile();
    const store = await SqliteThreadStore.open(file);
    const r = record();
    await store.create(r);
    const applied = Array.from({ length: 5 }, () => store.apply(r.id, batch()));
    await store.close();
    expect((await Promise.all(applied)).map((a) => a.kind)).toEqual(Array(5).fill('applied'));
    const reopened = new SqliteStore(file);
    cleanups.push(() => reopened.close());
    expect((await reopened.load(r.id, r.owner))!.state.batches).toBe(5);
  });
});

describe('a full file', () => {
  it('answers batches 503 "database or disk is full" and /readyz 503, both 200 once room is freed', async () => {
    const file = newFile();
    const app = await appOn(file, { SQLITE_MAX_MB: 1 });
    const id = await createSession(app);
    // Another connection (no cap of its own) grows the file past the store's 1 MiB cap.
    const filler = connection(file);
    filler.exec('CREATE TABLE filler (bytes BLOB)');
    filler.prepare('INSERT INTO filler VALUES (?)').run(randomBytes(2 * 1024 * 1024));
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().detail).toMatch(/database or disk is full/);
    const full = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: rowsBatch(2000) });
    expect(full.statusCode).toBe(503);
    expect(full.headers['retry-after']).toBe('1');
    expect(full.json().detail).toMatch(/database or disk is full/);
    expect(full.json().detail).not.toMatch(/rollback|no transaction/);
    filler.exec('DELETE FROM filler');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: rowsBatch(2000) })).statusCode).toBe(200);
  });

  it('fails a group commit with the statement\'s own error, and leaves none of the group applied', async () => {
    const store = new SqliteStore(newFile(), Date.now, { maxBytes: 256 * 1024 });
    cleanups.push(() => store.close());
    const r = record();
    await store.create(r);
    const big = () => batch({ chunk: new Uint8Array(randomBytes(100 * 1024)), rows: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => store.apply(r.id, big())));
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toBe('database or disk is full');
    const { state } = (await store.load(r.id, r.owner))!;
    expect(state.batches).toBe(outcomes.filter((o) => o.status === 'fulfilled').length);
  });
});

describe('freed pages', () => {
  it('go back to the file system at the sweep once sessions are deleted', async () => {
    const file = newFile();
    const store = await SqliteThreadStore.open(file);
    cleanups.push(() => store.close());
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = record();
      ids.push(r.id);
      await store.create(r);
      await store.apply(r.id, batch({ chunk: new Uint8Array(randomBytes(512 * 1024)), rows: 1 }));
    }
    const observer = connection(file);
    const pages = () => (observer.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    const peak = pages();
    expect(peak).toBeGreaterThan(1000); // 4 MiB of chunks in 4 KiB pages
    for (const id of ids) expect(await store.delete(id)).toBe(true);
    const { pagesFreed } = await store.sweep();
    expect(pagesFreed).toBeGreaterThan(900);
    expect(pages()).toBeLessThan(peak / 4);
  });
});

describe('a folder the service cannot write', () => {
  it.each([
    // Node's recursive mkdir never returns here: the start used to hang.
    ['under /proc', '/proc/forbidden/sessions.sqlite', /ENOENT|EACCES|EPERM|EROFS/],
    ['whose parent is a regular file', null, /ENOTDIR/],
  ])('%s: exits 1 with one line naming STORE_URL, the path and the reason', async (_name, given, reason) => {
    const path = given ?? join(folder, 'package.json', 'sessions.sqlite');
    if (given === null) connection(join(folder, 'package.json')).close(); // a regular file where a folder should be
    const url = `sqlite:${path}`;
    const failure = await startServer({ STORE_URL: url }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/server exited \(1\) before listening/);
    const output = failure!.split('\n').slice(1).join('\n').trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toContain(`STORE_URL=${url}`);
    expect(output).toContain(`cannot open ${path}`);
    expect(output).toMatch(reason);
    expect(output).not.toMatch(/\n\s+at /);
  }, 120_000);
});
