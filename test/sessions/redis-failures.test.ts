import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/sessions/redis-store.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../support/redis.js';
import { batch, record } from '../support/store-changes.js';
import { until } from '../support/until.js';

/**
 * The Redis store when the server misbehaves (a hostile review of issue 17's Redis and Redis
 * Cluster stores): a reply lost with its connection, a server that stops answering, a cluster
 * that goes down, a burst of keyed batches, and what a failed start says. Real redis-servers;
 * the lost reply is made by a TCP proxy that forwards a command and drops the connection before
 * its reply.
 */

const PASSWORD = 'failures-secret';

/**
 * A TCP proxy to `port` on 127.0.0.1 that, once armed with `dropAfter(n)`, lets n script calls
 * (EVAL / EVALSHA) through and forwards the next one but closes its connection before the reply.
 */
async function replyDropper(port: number): Promise<{ port: number; dropAfter: (n: number) => void; dropped: () => boolean; close: () => Promise<void> }> {
  let pass = -1;
  let dropped = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    let swallow = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data: Buffer) => {
      if (pass >= 0 && /\r\n(evalsha|eval)\r\n/i.test(data.toString('latin1'))) {
        if (pass === 0) swallow = true;
        pass -= 1;
      }
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (!swallow) return void client.write(data);
      dropped = true;
      client.destroy();
      upstream.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    dropAfter: (n) => {
      pass = n;
      dropped = false;
    },
    dropped: () => dropped,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A batch of two rows and no rows chunk, under `key`. */
const twoRows = (key: string | null = null) => batch({ key, chunk: null, rows: 2 });

describe('one Redis server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a batch whose reply is lost with its connection fails instead of hanging, and counted once', async () => {
    const proxy = await replyDropper(redis.port);
    const store = await RedisStore.connect(`redis://:${PASSWORD}@127.0.0.1:${proxy.port}`, { commandTimeoutMs: 1000 });
    try {
      const r = record();
      await store.create(r);
      await store.apply(r.id, twoRows()); // loads both scripts
      proxy.dropAfter(1); // the read passes; the commit is applied, its reply lost
      await expect(store.apply(r.id, twoRows())).rejects.toThrow();
      expect(proxy.dropped()).toBe(true);
      expect((await store.load(r.id, r.owner))!.state.batches).toBe(2);
      // And the store goes on.
      await store.apply(r.id, twoRows());
      expect((await store.load(r.id, r.owner))!.state.batches).toBe(3);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('a server that keeps its connections but answers nothing fails commands after the timeout', async () => {
    const store = await RedisStore.connect(redis.url, { commandTimeoutMs: 3000 });
    const r = record();
    await store.create(r);
    redis.signal('SIGSTOP');
    try {
      // Without the store's timeout these would hang until vitest's fails the test.
      await expect(store.describe(r.id, r.owner)).rejects.toThrow(/timed out/);
      await expect(store.ping()).rejects.toThrow(/timed out/);
    } finally {
      redis.signal('SIGCONT');
    }
    expect(await store.describe(r.id, r.owner)).toEqual(r);
    await store.close();
  });

  it('applies a burst of 9,000 batches with distinct Idempotency-Keys into one session (one group, more keys than Lua unpacks at once)', async () => {
    const store = await RedisStore.connect(redis.url);
    try {
      const r = record();
      await store.create(r);
      const results = await Promise.all(Array.from({ length: 9000 }, (_, i) => store.apply(r.id, twoRows(`key-${i}`))));
      expect(results.filter((result) => result.kind !== 'applied')).toEqual([]);
      expect((await store.load(r.id, r.owner))!.state).toMatchObject({ rows: 18_000, batches: 9000 });
      // Replays of them all: the first answers, nothing applied again.
      const replays = await Promise.all(Array.from({ length: 9000 }, (_, i) => store.apply(r.id, twoRows(`key-${i}`))));
      expect(new Set(replays.map((result) => result.kind))).toEqual(new Set(['replayed']));
      expect((await store.load(r.id, r.owner))!.state.batches).toBe(9000);
    } finally {
      await store.close();
    }
  });
});

describe('a Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a batch whose reply is lost with its connection is not resent: it fails, counted once', async () => {
    // The last master is reached through the proxy: it announces the proxy's port to the cluster.
    const proxy = await replyDropper(cluster.nodes[2].port);
    const views = cluster.nodes.map((node) => new Redis(node.url));
    // The proxied master, reached directly.
    const direct = views[2];
    // Whether every node's CLUSTER SLOTS ([[first, last, [host, port, id, …], …], …]) names the
    // proxy's port, or every node's does not.
    type Ranges = [number, number, ...[string, number, ...unknown[]][]][];
    const everyNodeAnnounces = (announced: boolean) => async () =>
      (await Promise.all(views.map((view) => view.cluster('SLOTS') as Promise<Ranges>))).every(
        (ranges) => ranges.some(([, , ...holders]) => holders.some(([, port]) => port === proxy.port)) === announced,
      );
    await direct.config('SET', 'cluster-announce-port', String(proxy.port));
    // Every node, not only the seed: a node that still names the master's own port answers a
    // MOVED with it, and the client's refresh then closes that connection under the command
    // (a full CI run lost the load below so, the seed alone having been waited for).
    await until(everyNodeAnnounces(true), 120_000, 'the announced port reaching every node');
    // The timeout is a backstop: the commit must fail because its connection closed.
    const store = await RedisStore.connect(`redis+cluster://:${PASSWORD}@127.0.0.1:${cluster.nodes[0].port}`, { commandTimeoutMs: 60_000 });
    try {
      // A session that lives on the proxied master.
      let r = record();
      for (;;) {
        await store.create(r);
        // Elsewhere the master answers MOVED.
        if (await direct.exists(`fa:{${r.id}}:meta`).then((n) => n === 1, () => false)) break;
        r = record();
      }
      await store.apply(r.id, twoRows());
      proxy.dropAfter(1);
      await expect(store.apply(r.id, twoRows())).rejects.toThrow(/Connection is closed/);
      expect(proxy.dropped()).toBe(true);
      expect((await store.load(r.id, r.owner))!.state.batches).toBe(2);
    } finally {
      await store.close();
      await proxy.close();
      // The master announces its own port again, and the next test starts from a cluster that says so.
      await direct.config('SET', 'cluster-announce-port', '0');
      await until(everyNodeAnnounces(false), 120_000, 'the own port reaching every node');
      for (const view of views) view.disconnect();
    }
  });

  it('serves a burst of commands to every master right after connecting (no node still connecting)', async () => {
    const store = await RedisStore.connect(cluster.url);
    try {
      const answers = await Promise.allSettled(Array.from({ length: 60 }, () => store.describe(record().id, null)));
      expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('says why it cannot connect: a wrong password, a plain URL naming a cluster node', async () => {
    await expect(RedisStore.connect(`redis+cluster://:wrong@127.0.0.1:${cluster.nodes[0].port}`)).rejects.toThrow(/WRONGPASS|invalid password/i);
    await expect(RedisStore.connect(cluster.nodes[0].url)).rejects.toThrow(/is a Redis Cluster node.*redis\+cluster:\/\//);
  });

  // Last: it takes a master down for good.
  it('is not ready while the cluster is down (a master lost: its slots have no node)', async () => {
    const store = await RedisStore.connect(cluster.url, { commandTimeoutMs: 2000 });
    try {
      await store.ping();
      await cluster.nodes[1].kill();
      await until(
        () => store.ping().then(() => false, (error: Error) => /cluster is down/.test(error.message)),
        120_000,
        'ping saying the cluster is down',
      );
    } finally {
      await store.close();
    }
  });
});
