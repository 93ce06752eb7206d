import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { RedisStore } from '../../src/sessions/redis-store.js';
import { testApp } from '../support/app.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { makeBatches, type Batch } from '../support/session-processes.js';
import { batch, record } from '../support/store-changes.js';
import { until } from '../support/until.js';

/**
 * What a 200 from a Redis-backed session means when Redis itself fails (docs/sessions.md, "Durability"):
 * `kill -9` of redis-server mid-stream loses no acknowledged batch with the persistence docker/
 * ships (appendonly yes, appendfsync always); a Redis that comes back empty is a 503 "lost its
 * data", not a 404 "expired"; and /readyz turns 503 when Redis refuses writes. Real
 * redis-servers, the real app through inject.
 *
 * REDIS_KILL_FSYNC=everysec runs the kill test against the weaker setting, to measure what it
 * loses (the test then fails when it loses something, which is the point of the measurement).
 */

const CONFIG = { task: 'binary', input: 'probs', metrics: ['auroc', 'f1_score'] };
const ROWS = 32;

let app: App | undefined;
const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function redisServer(options: Parameters<typeof startRedis>[0]): Promise<RedisServer> {
  const server = await startRedis(options);
  servers.push(server);
  return server;
}

/** Restarts a killed server on its folder and port, replacing it in `servers` (stopped after the test). */
async function restart(killed: RedisServer, options: Parameters<typeof startRedis>[0]): Promise<RedisServer> {
  const again = await startRedis({ ...options, dir: killed.dir, port: killed.port });
  servers[servers.indexOf(killed)] = again;
  return again;
}

const post = (id: string, batch: Batch) =>
  app!.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, headers: { 'content-type': 'application/json', 'idempotency-key': batch.key }, payload: batch.json });

/** Until the app's Redis client has reconnected and the store takes writes again. */
const ready = () => until(async () => (await app!.inject({ url: '/readyz' })).statusCode === 200, 20_000, '/readyz 200 after the restart');

describe('Redis: what a 200 survives', () => {
  const fsync = process.env.REDIS_KILL_FSYNC === 'everysec' ? 'everysec' : 'always';

  it(`kill -9 of redis-server (appendfsync ${fsync}) while 4 clients post loses no acknowledged batch; retries after the restart count once`, { timeout: 120_000 }, async () => {
    const seed = randomInt(2 ** 31);
    const options = { appendOnly: true, appendFsync: fsync } as const;
    let redis = await redisServer(options);
    app = await testApp({ STORE_URL: redis.url });
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: CONFIG });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const batches = makeBatches(400, ROWS, 2, seed, 'kill');

    // Clients take batches in order; the one whose 200 makes the 80th SIGKILLs Redis in that tick.
    const answers = new Map<string, number>();
    let next = 0;
    let acknowledged = 0;
    let killed = false;
    const client = async () => {
      while (!killed && next < batches.length) {
        const batch = batches[next++];
        const answer = await post(id, batch);
        answers.set(batch.key, answer.statusCode);
        if (answer.statusCode === 200 && ++acknowledged === 80) {
          killed = true;
          redis.signal('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, client));
    await redis.kill();
    const sent = batches.slice(0, next);
    const acked = sent.filter((b) => answers.get(b.key) === 200);
    // A batch in flight at the kill is a 503 (its outcome unknown), never a 500.
    expect(sent.filter((b) => answers.get(b.key) !== 200 && answers.get(b.key) !== 503).map((b) => `${b.key}: ${answers.get(b.key)}`)).toEqual([]);

    redis = await restart(redis, options);
    const raw = new Redis(redis.url);
    clients.push(raw);
    const kept = await raw.hmget(`fa:{${id}}:idem`, ...acked.map((b) => b.key));
    const lost = acked.filter((_, i) => kept[i] === null).map((b) => b.key);
    console.info(`redis kill -9, appendfsync ${fsync}, seed ${seed}: ${acked.length} acknowledged, ${sent.length - acked.length} in flight, ${lost.length} acknowledged lost ${JSON.stringify(lost)}`);
    expect(lost, `acknowledged batches missing after the restart (seed ${seed})`).toEqual([]);

    // Every batch sent is resent with its key until answered: each counts once.
    await ready();
    for (const batch of sent) {
      const answer = await post(id, batch);
      expect(answer.statusCode, `${batch.key}: ${answer.body}`).toBe(200);
    }
    const session = await app.inject({ url: `/v1/sessions/${id}` });
    expect(session.statusCode, session.body).toBe(200);
    expect({ rows: session.json().rows, batches: session.json().batches }).toEqual({ rows: sent.length * ROWS, batches: sent.length });
  });

  it('a Redis that restarts empty (no persistence) answers 503 "lost its data" for the sessions it had, not 404 "expired"', { timeout: 60_000 }, async () => {
    let redis = await redisServer({ appendOnly: false });
    app = await testApp({ STORE_URL: redis.url });
    const id = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: CONFIG })).json().id as string;
    expect((await post(id, makeBatches(1, ROWS, 2, 1, 'lost')[0])).statusCode).toBe(200);
    // An unknown session before the loss is the plain 404.
    expect((await app.inject({ url: `/v1/sessions/${'0'.repeat(32)}` })).statusCode).toBe(404);

    await redis.kill();
    redis = await restart(redis, { appendOnly: false });
    await ready();

    for (const request of [{ url: `/v1/sessions/${id}` }, { method: 'POST' as const, url: `/v1/sessions/${id}/batches`, headers: { 'content-type': 'application/json' }, payload: makeBatches(1, ROWS, 2, 2, 'after')[0].json }]) {
      const answer = await app.inject(request);
      expect(answer.statusCode, answer.body).toBe(503);
      expect(answer.headers['retry-after']).toBeDefined();
      expect(answer.json().type).toMatch(/store-unavailable/);
      expect(answer.json().detail).toMatch(/lost its data: Redis restarted without persistence, was flushed, or failed over to an empty replica/);
    }
    // New sessions work on the emptied store.
    const fresh = await app.inject({ method: 'POST', url: '/v1/sessions', payload: CONFIG });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect((await app.inject({ url: `/v1/sessions/${fresh.json().id}` })).statusCode).toBe(200);
  });

  it('/readyz is 503, naming the reason, while Redis refuses writes (maxmemory reached with noeviction)', { timeout: 60_000 }, async () => {
    const redis = await redisServer({ args: async () => ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] });
    app = await testApp({ STORE_URL: redis.url });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

    const raw = new Redis(redis.url);
    clients.push(raw);
    // In a script, 100 values of 1 KiB a call (a large value's own query buffer would be what
    // passes the limit, freed right after): until Redis refuses, then a small SET is refused too.
    const fill = `for i = 1, 100 do redis.call('SET', 'filler:' .. ARGV[1] .. ':' .. i, string.rep('x', 1024)) end`;
    for (let i = 0; i < 100; i++) {
      if (await raw.eval(fill, 0, String(i)).then(() => false, (error: Error) => /OOM/.test(error.message))) break;
    }
    expect(await raw.set('probe', '1').then(() => 'written', (error: Error) => error.message)).toMatch(/OOM/);
    // PING still answers: only a write tells.
    expect(await raw.ping()).toBe('PONG');

    const readyz = await app.inject({ url: '/readyz' });
    expect(readyz.statusCode, readyz.body).toBe(503);
    expect(readyz.json().detail).toMatch(/OOM/);
    expect(readyz.headers['retry-after']).toBeDefined();

    await raw.flushall();
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('REDIS_DURABILITY against what the server gives', () => {
  /** A StoreLog that keeps the warnings (the store's collaborator, not the thing under test). */
  const warnings = () => {
    const seen: string[] = [];
    const note = (_object: object, message: string) => void seen.push(message);
    return { seen, log: { info: () => undefined, warn: note, error: note } };
  };

  it('warns at start when the server persists less than fsync promises, and not when it runs appendfsync always', { timeout: 60_000 }, async () => {
    const cases = [
      { options: { appendOnly: false }, warning: /appendonly is no.*restart of Redis loses every session/ },
      { options: { appendOnly: true, appendFsync: 'everysec' as const }, warning: /appendfsync is everysec and the server has no WAITAOF/ },
      { options: { appendOnly: true, appendFsync: 'always' as const }, warning: null },
    ];
    for (const { options, warning } of cases) {
      const redis = await redisServer(options);
      const { seen, log } = warnings();
      const store = await RedisStore.connect(redis.url, { durability: 'fsync', log });
      await store.close();
      if (warning) expect(seen.join('\n'), JSON.stringify(options)).toMatch(warning);
      else expect(seen, JSON.stringify(options)).toEqual([]);
      // REDIS_DURABILITY=none accepts whatever the server does.
      const none = warnings();
      await (await RedisStore.connect(redis.url, { durability: 'none', log: none.log })).close();
      expect(none.seen).toEqual([]);
    }
  });

  it('replica: a write is answered once a replica has it, and fails (its outcome unknown) when no replica acknowledges', { timeout: 60_000 }, async () => {
    const master = await redisServer({});
    const replica = await redisServer({ args: async () => ['--replicaof', '127.0.0.1', String(master.port)] });
    const raw = new Redis(master.url);
    clients.push(raw);
    // Connected is not yet in sync: a replica still loading the master's snapshot can drop and
    // reconnect on a loaded machine. Wait until both ends say the link is up and online.
    const onReplicaInfo = new Redis(replica.url);
    clients.push(onReplicaInfo);
    await until(
      async () => /^connected_slaves:1\b/m.test(await raw.info('replication')) && /state=online/.test(await raw.info('replication')) && /^master_link_status:up\b/m.test(await onReplicaInfo.info('replication')),
      120_000,
      'the replica in sync',
    );
    const { seen, log } = warnings();
    const store = await RedisStore.connect(master.url, { durability: 'replica', log });
    try {
      expect(seen).toEqual([]);
      const r = record();
      await store.create(r);
      expect((await store.apply(r.id, batch({ key: 'k' }))).kind).toBe('applied');
      // What was answered is on the replica.
      const onReplica = new Redis(replica.url);
      try {
        expect(await onReplica.hget(`fa:{${r.id}}:idem`, 'k')).not.toBeNull();
      } finally {
        onReplica.disconnect();
      }

      await replica.stop();
      servers.splice(servers.indexOf(replica), 1);
      await until(async () => /^connected_slaves:0\b/m.test(await raw.info('replication')), 20_000, 'the master saw the replica go');
      await expect(store.apply(r.id, batch({ key: 'k2' }))).rejects.toThrow(/no replica acknowledged it within/);
    } finally {
      await store.close();
    }
  });
});
