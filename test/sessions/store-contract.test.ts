import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCounts } from '../../src/sessions/codec.js';
import { MemoryStore } from '../../src/sessions/memory-store.js';
import { openStore } from '../../src/sessions/open-store.js';
import { RedisStore } from '../../src/sessions/redis-store.js';
import { clusterAddress } from '../../src/store-url.js';
import { SqliteStore } from '../../src/sessions/sqlite-store.js';
import { SqliteThreadStore } from '../../src/sessions/sqlite-thread-store.js';
import type { SessionStore, StoredState } from '../../src/sessions/store.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../support/redis.js';
import { batch, record } from '../support/store-changes.js';
import { until } from '../support/until.js';

/**
 * One contract for the session stores (issue 17, SESSIONS.md): the memory store, SQLite on a
 * temporary file, Redis on a real redis-server, and a real three-master Redis Cluster. The
 * concurrency cases go through two handles on the same data: two RedisStore connections (two
 * replicas), two SqliteStore instances on one file (two processes). SQLite runs twice: the store
 * itself in this thread, and in its own thread behind the proxy the service uses (each call
 * carries the test's clock there).
 */

const PASSWORD = 'contract-secret';
let redis: RedisServer;
let cluster: RedisCluster;
let folder: string;

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis({ password: PASSWORD }), startRedisCluster({ password: PASSWORD })]);
  folder = await mkdtemp(join(tmpdir(), 'fa-store-contract-'));
});

afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** A plain ioredis Cluster client on the test cluster, to look at keys behind the store's back. */
const rawCluster = () => {
  const { seeds, password } = clusterAddress(cluster.url)!;
  return new Cluster(seeds, { redisOptions: { password } });
};

interface Backend {
  name: string;
  /** Two handles on the same sessions; `now` is the clock of the stores that take one. */
  open(now: () => number): Promise<[SessionStore, SessionStore]>;
  /** Lets the inactivity TTL of session `id` run out (advances the clock, or waits for Redis). */
  expire(id: string, ttlSeconds: number, clock: Clock): Promise<void>;
}

class Clock {
  at = 1_800_000_000_000;
  readonly now = () => this.at;
}

let sqliteFiles = 0;

const backends: Backend[] = [
  {
    name: 'memory',
    async open(now) {
      const store = new MemoryStore(now);
      return [store, store];
    },
    async expire(_id, ttlSeconds, clock) {
      clock.at += ttlSeconds * 1000;
    },
  },
  {
    name: 'sqlite',
    async open(now) {
      const file = join(folder, `sessions-${++sqliteFiles}.db`);
      return [new SqliteStore(file, now), new SqliteStore(file, now)];
    },
    async expire(_id, ttlSeconds, clock) {
      clock.at += ttlSeconds * 1000;
    },
  },
  {
    name: 'sqlite in its own thread',
    async open(now) {
      const file = join(folder, `sessions-${++sqliteFiles}.db`);
      return [await SqliteThreadStore.open(file, {}, now), await SqliteThreadStore.open(file, {}, now)];
    },
    async expire(_id, ttlSeconds, clock) {
      clock.at += ttlSeconds * 1000;
    },
  },
  {
    name: 'redis',
    async open() {
      return [await RedisStore.connect(redis.url), await RedisStore.connect(redis.url)];
    },
    // Real time: poll the keys (without touching the session, which would restart its TTL).
    async expire(id) {
      const raw = new Redis(redis.url);
      try {
        await until(async () => (await raw.exists(...sessionKeys(id))) === 0, 120_000);
      } finally {
        raw.disconnect();
      }
    },
  },
  {
    name: 'redis cluster',
    async open() {
      return [await RedisStore.connect(cluster.url), await RedisStore.connect(cluster.url)];
    },
    async expire(id) {
      const raw = rawCluster();
      try {
        await until(async () => (await raw.exists(...sessionKeys(id))) === 0, 120_000);
      } finally {
        raw.disconnect();
      }
    },
  },
];

const sessionKeys = (id: string) => ['meta', 'counts', 'chunks', 'idem'].map((k) => `fa:{${id}}:${k}`);

const newId = () => randomBytes(16).toString('hex');

const plain = (bytes: Uint8Array | null) => (bytes === null ? null : Object.fromEntries([...decodeCounts(bytes)].map(([k, v]) => [k, [...v]])));

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString();

describe.each(backends)('$name store', (backend) => {
  let clock: Clock;
  let store: SessionStore;
  let other: SessionStore;

  beforeAll(() => {
    clock = new Clock();
  });

  afterEach(async () => {
    await store?.close();
    if (other !== store) await other?.close();
  });

  const open = async () => {
    clock = new Clock();
    [store, other] = await backend.open(clock.now);
  };

  it('creates, describes and loads a session; unknown ids are not found', async () => {
    await open();
    const r = record();
    const anonymous = record({ owner: null });
    await store.create(r);
    await store.create(anonymous);
    expect(await store.describe(r.id, r.owner)).toEqual(r);
    expect(await other.describe(anonymous.id, anonymous.owner)).toEqual(anonymous);
    expect(await store.load(r.id, r.owner)).toEqual({ record: r, state: { counts: null, chunks: [], rows: 0, batches: 0 } });
    const unknown = newId();
    expect(await store.describe(unknown, null)).toBeNull();
    expect(await store.load(unknown, null)).toBeNull();
    expect(await store.apply(unknown, batch())).toEqual({ kind: 'not-found' });
    expect(await store.reset(unknown)).toBe(false);
    expect(await store.mergeFrom(unknown, [], 10)).toEqual({ kind: 'not-found' });
    expect(await store.delete(unknown)).toBe(false);
    await store.ping();
    expect(store.description).not.toContain(PASSWORD);
  });

  it('apply adds counts, appends chunks in order and answers the running totals', async () => {
    await open();
    const r = record();
    await store.create(r);
    expect(await store.apply(r.id, batch({ values: { tp: [1, 2], fp: [3] }, chunk: 'first', rows: 4 }))).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 4, batches: 1, key: null }) });
    expect(await other.apply(r.id, batch({ values: { tp: [10, 20], fn: [5] }, chunk: 'second', rows: 6 }))).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 10, batches: 2, key: null }) });
    // A session without rows (binned metrics only): counts and totals, no chunk.
    expect(await store.apply(r.id, batch({ values: { fp: [0.5] }, chunk: null, rows: 2 }))).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 12, batches: 3, key: null }) });
    const loaded = await other.load(r.id, r.owner);
    expect(loaded!.record).toEqual(r);
    expect(loaded!.state.rows).toBe(12);
    expect(loaded!.state.batches).toBe(3);
    expect(plain(loaded!.state.counts)).toEqual({ tp: [11, 22], fp: [3.5], fn: [5] });
    expect(loaded!.state.chunks.map(text)).toEqual(['first', 'second']);
    for (const chunk of loaded!.state.chunks) expect(chunk).toBeInstanceOf(Uint8Array);
  });

  it('keeps binary chunks byte for byte, large ones and views with an offset included', async () => {
    await open();
    const r = record();
    await store.create(r);
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const large = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const view = new Uint8Array(randomBytes(1000)).subarray(3, 503);
    for (const chunk of [every, large, view]) expect((await store.apply(r.id, batch({ chunk, rows: 1 }))).kind).toBe('applied');
    const { state } = (await other.load(r.id, r.owner))!;
    const bytes = (c: Uint8Array) => Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    // Buffer#equals, not toEqual: a deep comparison of 3 MB takes seconds.
    expect(state.chunks.map((c, i) => bytes(c).equals(bytes([every, large, view][i])))).toEqual([true, true, true]);
    expect(plain(state.counts)).toEqual({ tp: [3, 6], fp: [9] });
  });

  it('replays the first answer for a seen Idempotency-Key and refuses it with another body', async () => {
    await open();
    const r = record();
    await store.create(r);
    const first = await store.apply(r.id, batch({ key: 'k1', chunk: 'a' }));
    expect(first).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 4, batches: 1, key: 'k1' }) });
    await store.apply(r.id, batch({ key: 'k2', chunk: 'b' }));
    expect(await other.apply(r.id, batch({ key: 'k1', chunk: 'a' }))).toEqual({ kind: 'replayed', answer: JSON.stringify({ rows: 4, batches: 1, key: 'k1' }) });
    expect(await store.apply(r.id, batch({ key: 'k1', fingerprint: 'another body', chunk: 'c' }))).toEqual({ kind: 'key-reused' });
    const { state } = (await store.load(r.id, r.owner))!;
    expect([state.rows, state.batches, state.chunks.map(text)]).toEqual([8, 2, ['a', 'b']]);
    expect(plain(state.counts)).toEqual({ tp: [2, 4], fp: [6] });
  });

  it('refuses rows beyond maxRows only for batches that carry a chunk', async () => {
    await open();
    const r = record();
    await store.create(r);
    expect((await store.apply(r.id, batch({ rows: 8, maxRows: 10 }))).kind).toBe('applied');
    expect(await store.apply(r.id, batch({ key: 'big', rows: 3, maxRows: 10 }))).toEqual({ kind: 'too-many-rows', rows: 8 });
    expect((await store.apply(r.id, batch({ rows: 2, maxRows: 10 }))).kind).toBe('applied'); // exactly at the bound
    expect((await store.apply(r.id, batch({ rows: 50, maxRows: 10, chunk: null }))).kind).toBe('applied');
    // A refused batch left no idempotency record: its retry is judged again.
    expect(await store.apply(r.id, batch({ key: 'big', rows: 3, maxRows: 1000 }))).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 63, batches: 4, key: 'big' }) });
    const { state } = (await store.load(r.id, r.owner))!;
    expect([state.rows, state.batches, state.chunks.length]).toEqual([63, 4, 3]);
  });

  it('expires an idle session, and every operation restarts its TTL', async () => {
    await open();
    const r = record({ ttlSeconds: 1 });
    await store.create(r);
    await store.apply(r.id, batch({ key: 'k' }));
    if (backend.name !== 'redis') {
      // Redis restarts by real time: see the PTTL test below.
      for (let i = 0; i < 3; i++) {
        clock.at += 700;
        expect(await (i % 2 ? store.describe(r.id, r.owner) : store.load(r.id, r.owner))).not.toBeNull();
      }
    }
    await backend.expire(r.id, r.ttlSeconds, clock);
    expect(await store.describe(r.id, r.owner)).toBeNull();
    expect(await other.load(r.id, r.owner)).toBeNull();
    expect(await store.apply(r.id, batch({ key: 'k' }))).toEqual({ kind: 'not-found' });
    expect(await store.reset(r.id)).toBe(false);
    expect(await store.delete(r.id)).toBe(false);
  });

  it('another owner\'s read does not restart the TTL (nor does a read of an unknown owner)', async () => {
    await open();
    if (backend.name.startsWith('redis')) {
      // Redis restarts by real time: shorten the keys' TTL, read as others, and look at PTTL.
      const r = record({ ttlSeconds: 600 });
      await store.create(r);
      const raw = backend.name === 'redis' ? new Redis(redis.url) : rawCluster();
      try {
        const meta = `fa:{${r.id}}:meta`;
        await raw.pexpire(meta, 5_000);
        expect(await store.describe(r.id, 'another-digest')).not.toBeNull();
        expect(await other.load(r.id, null)).not.toBeNull();
        expect(await raw.pttl(meta)).toBeLessThanOrEqual(5_000);
        // The owner's read does restart it (so the check above could see a restart).
        expect(await store.describe(r.id, r.owner)).not.toBeNull();
        expect(await raw.pttl(meta)).toBeGreaterThan(590_000);
      } finally {
        raw.disconnect();
      }
      return;
    }
    const r = record({ ttlSeconds: 1 });
    await store.create(r);
    for (let i = 0; i < 3; i++) {
      clock.at += 300;
      expect(await (i % 2 ? store.describe(r.id, 'another-digest') : store.load(r.id, null))).not.toBeNull();
    }
    clock.at += 200;
    expect(await store.describe(r.id, r.owner)).toBeNull();
  });

  it('reset empties the state and forgets the last epoch\'s keys, keeping the record', async () => {
    await open();
    const r = record();
    await store.create(r);
    await store.apply(r.id, batch({ key: 'k1', chunk: 'a' }));
    await store.apply(r.id, batch({ chunk: 'b' }));
    expect(await other.reset(r.id)).toBe(true);
    expect(await store.load(r.id, r.owner)).toEqual({ record: r, state: { counts: null, chunks: [], rows: 0, batches: 0 } });
    // A client that keys batches per epoch ("batch-3") must not see the next epoch's batch dropped.
    expect((await store.apply(r.id, batch({ key: 'k1', chunk: 'a' }))).kind).toBe('applied');
    expect(await store.apply(r.id, batch({ key: 'k2', chunk: 'c', values: { tn: [7] } }))).toEqual({ kind: 'applied', answer: JSON.stringify({ rows: 8, batches: 2, key: 'k2' }) });
    const { state } = (await store.load(r.id, r.owner))!;
    expect(state.chunks.map(text)).toEqual(['a', 'c']);
  });

  it('mergeFrom folds other states in after its own, leaving them as they were', async () => {
    await open();
    const [target, a, b] = [record(), record(), record()];
    for (const r of [target, a, b]) await store.create(r);
    await store.apply(target.id, batch({ chunk: 't1', values: { tp: [1] }, rows: 1 }));
    await store.apply(a.id, batch({ chunk: 'a1', values: { tp: [10], fp: [1] }, rows: 2 }));
    await store.apply(a.id, batch({ chunk: 'a2', values: { tp: [20] }, rows: 3 }));
    await store.apply(b.id, batch({ chunk: 'b1', values: { tp: [100] }, rows: 4 }));
    const fromA = (await other.load(a.id, a.owner))!.state;
    const fromB = (await other.load(b.id, b.owner))!.state;
    const empty: StoredState = { counts: null, chunks: [], rows: 0, batches: 0 };
    expect(await other.mergeFrom(target.id, [fromA, empty, fromB], 1000)).toEqual({ kind: 'merged', rows: 10, batches: 4 });
    const merged = (await store.load(target.id, target.owner))!.state;
    expect([merged.rows, merged.batches, merged.chunks.map(text)]).toEqual([10, 4, ['t1', 'a1', 'a2', 'b1']]);
    expect(plain(merged.counts)).toEqual({ tp: [131], fp: [1] });
    expect((await store.load(a.id, a.owner))!.state).toEqual(fromA);
    expect((await store.load(b.id, b.owner))!.state.chunks.map(text)).toEqual(['b1']);
    // Beyond maxRows with rows to keep: refused, nothing changed.
    expect(await store.mergeFrom(target.id, [fromA], 14)).toEqual({ kind: 'too-many-rows', rows: 10 });
    expect((await store.load(target.id, target.owner))!.state.rows).toBe(10);
    expect(await store.mergeFrom(target.id, [fromA], 15)).toEqual({ kind: 'merged', rows: 15, batches: 6 });
  });

  it('delete removes the session and its state', async () => {
    await open();
    const r = record();
    await store.create(r);
    await store.apply(r.id, batch({ key: 'k' }));
    expect(await other.delete(r.id)).toBe(true);
    expect(await store.describe(r.id, r.owner)).toBeNull();
    expect(await store.apply(r.id, batch({ key: 'k' }))).toEqual({ kind: 'not-found' });
    expect(await store.delete(r.id)).toBe(false);
  });

  it('8 concurrent clients × 50 batches through two handles: nothing lost, nothing counted twice', async () => {
    await open();
    const r = record();
    await store.create(r);
    const CLIENTS = 8;
    const BATCHES = 50;
    const handles = [store, other];
    const outcomes = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const kinds: string[] = [];
        for (let j = 0; j < BATCHES; j++) {
          const change = () => batch({ key: `c${client}-b${j}`, values: { tp: [1, client], [`client${client}`]: [j] }, chunk: `${client}:${j}`, rows: client + 1 });
          if (j % 2 === 0) {
            // The same key through both handles at once (a retry racing its original): applied once.
            const both = await Promise.all(handles.map((h) => h.apply(r.id, change())));
            expect(both.map((o) => o.kind).sort()).toEqual(['applied', 'replayed']);
            expect((both[0] as { answer: string }).answer).toBe((both[1] as { answer: string }).answer);
            kinds.push(...both.map((o) => o.kind));
          } else {
            kinds.push((await handles[client % 2].apply(r.id, change())).kind);
          }
        }
        return kinds;
      }),
    );
    expect(outcomes.flat().filter((k) => k === 'applied')).toHaveLength(CLIENTS * BATCHES);
    const { state } = (await store.load(r.id, r.owner))!;
    expect(state.batches).toBe(CLIENTS * BATCHES);
    expect(state.rows).toBe(BATCHES * ((CLIENTS * (CLIENTS + 1)) / 2));
    const expected: Record<string, number[]> = { tp: [CLIENTS * BATCHES, BATCHES * ((CLIENTS * (CLIENTS - 1)) / 2)] };
    for (let client = 0; client < CLIENTS; client++) expected[`client${client}`] = [(BATCHES * (BATCHES - 1)) / 2];
    expect(plain(state.counts)).toEqual(expected);
    // Every chunk once, and each client's chunks in the order it sent them.
    const chunks = state.chunks.map(text);
    expect(new Set(chunks).size).toBe(CLIENTS * BATCHES);
    for (let client = 0; client < CLIENTS; client++) {
      expect(chunks.filter((c) => c.startsWith(`${client}:`))).toEqual(Array.from({ length: BATCHES }, (_, j) => `${client}:${j}`));
    }
    // Retries after the storm still replay.
    expect((await other.apply(r.id, batch({ key: 'c3-b7', values: { tp: [1, 3], client3: [7] }, chunk: '3:7', rows: 4 }))).kind).toBe('replayed');
  });

  it('concurrent merges and batches into one session through two handles lose nothing', async () => {
    await open();
    const [target, source] = [record(), record()];
    await store.create(target);
    await store.create(source);
    await store.apply(source.id, batch({ values: { tp: [1000] }, chunk: 'src', rows: 10 }));
    const from = (await store.load(source.id, source.owner))!.state;
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => [store, other][i % 2].apply(target.id, batch({ values: { tp: [1] }, chunk: `b${i}`, rows: 1 }))),
      ...Array.from({ length: 5 }, (_, i) => [store, other][i % 2].mergeFrom(target.id, [from], 1_000_000)),
    ]);
    const { state } = (await store.load(target.id, target.owner))!;
    expect([state.rows, state.batches, state.chunks.length]).toEqual([70, 25, 25]);
    expect(plain(state.counts)).toEqual({ tp: [5020] });
  });
});

describe('RedisStore specifics', () => {
  let store: RedisStore;
  let raw: Redis;

  beforeAll(async () => {
    store = await RedisStore.connect(redis.url);
    raw = new Redis(redis.url);
  });

  afterAll(async () => {
    await store?.close();
    raw?.disconnect();
  });

  it('keeps every key of a session under its hash tag, each with the session TTL', async () => {
    const r = record({ ttlSeconds: 600 });
    await store.create(r);
    await store.apply(r.id, batch({ key: 'k', chunk: 'x' }));
    const keys = (await raw.keys(`*${r.id}*`)).sort();
    expect(keys).toEqual(sessionKeys(r.id).sort());
    for (const key of keys) expect(key).toContain(`{${r.id}}`);
    // The session's 600 s, less the seconds this test took (not a clock check: far from both the
    // 86,400 s default and no TTL at all, whatever the machine's load).
    for (const key of keys) {
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(300_000);
      expect(ttl).toBeLessThanOrEqual(600_000);
    }
    expect(await raw.type(`fa:{${r.id}}:meta`)).toBe('hash');
    expect(await raw.type(`fa:{${r.id}}:chunks`)).toBe('list');
    expect(JSON.parse((await raw.hget(`fa:{${r.id}}:idem`, 'k'))!)).toEqual({ fingerprint: 'fp-k', answer: JSON.stringify({ rows: 4, batches: 1, key: 'k' }) });
  });

  it('restarts the TTL of every key on describe, load, apply, reset and merge', async () => {
    const r = record({ ttlSeconds: 600 });
    await store.create(r);
    await store.apply(r.id, batch({ key: 'k', chunk: 'x' }));
    const operations: Array<() => Promise<unknown>> = [
      () => store.describe(r.id, r.owner),
      () => store.load(r.id, r.owner),
      () => store.apply(r.id, batch({ key: 'k', chunk: 'x' })), // a replay too
      () => store.mergeFrom(r.id, [], 100),
      () => store.reset(r.id),
    ];
    for (const operation of operations) {
      await store.apply(r.id, batch({ chunk: 'y' }));
      for (const key of sessionKeys(r.id)) await raw.pexpire(key, 5_000);
      await operation();
      for (const key of sessionKeys(r.id)) {
        // Cut to 5 s above, so anything longer is the restart to the session's 600 s.
        if (await raw.exists(key)) expect(await raw.pttl(key)).toBeGreaterThan(300_000);
      }
    }
  });

  it('is what STORE_URL=redis://… opens', async () => {
    const opened = await openStore(redis.url);
    try {
      expect(opened).toBeInstanceOf(RedisStore);
      await opened.ping();
    } finally {
      await opened.close();
    }
  });

  it('describes the URL without its password, and fails loudly when nothing listens', async () => {
    expect(redis.url).toContain(PASSWORD);
    expect(store.description).toBe(`redis://127.0.0.1:${redis.port}`);
    const closed = await startRedis();
    const url = closed.url;
    await closed.stop();
    await expect(RedisStore.connect(url.replace('redis://', `redis://:${PASSWORD}@`))).rejects.toThrow(new RegExp(`cannot connect to redis://127\\.0\\.0\\.1:${closed.port}: `));
    await expect(RedisStore.connect(redis.url.replace(PASSWORD, 'wrong'))).rejects.not.toThrow(/wrong|contract-secret/);
  });
});

describe('Redis Cluster specifics', () => {
  it('spreads sessions over the masters, each session whole on one of them', async () => {
    const store = await RedisStore.connect(cluster.url);
    const nodes = cluster.nodes.map((n) => new Redis(n.url));
    try {
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) {
        const r = record();
        ids.push(r.id);
        await store.create(r);
        await store.apply(r.id, batch({ key: `k${i}`, chunk: `rows ${i}` }));
      }
      const holders = await Promise.all(ids.map(async (id) => {
        const held = await Promise.all(nodes.map(async (node) => (await node.keys(`fa:{${id}}:*`)).length));
        return held.flatMap((count, n) => (count > 0 ? [[n, count]] : []));
      }));
      // Every session's four keys on exactly one master; the sessions on more than one master.
      for (const held of holders) expect(held).toEqual([[expect.any(Number), 4]]);
      expect(new Set(holders.map((held) => held[0][0])).size).toBeGreaterThan(1);
      for (const [i, id] of ids.entries()) expect(text((await store.load(id, null))!.state.chunks[0])).toBe(`rows ${i}`);
    } finally {
      await store.close();
      for (const node of nodes) node.disconnect();
    }
  });

  it('is what STORE_URL=redis+cluster://… opens, described without its password; no cluster fails loudly', async () => {
    const opened = await openStore(cluster.url);
    try {
      expect(opened).toBeInstanceOf(RedisStore);
      await opened.ping();
      expect(cluster.url).toContain(PASSWORD);
      expect(opened.description).toBe(`redis+cluster://${cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
    } finally {
      await opened.close();
    }
    const closed = await startRedis();
    await closed.stop();
    await expect(RedisStore.connect(`redis+cluster://127.0.0.1:${closed.port}`)).rejects.toThrow(new RegExp(`cannot connect to redis\\+cluster://127\\.0\\.0\\.1:${closed.port}: `));
  });
});
