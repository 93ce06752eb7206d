import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { clusterAddress, seedText } from './store-url.js';
import { addCounts, batchAnswer, combineStates, type ApplyResult, type BatchChange, type SessionRecord, type SessionStore, type StoredState } from './store.js';

/**
 * `STORE_URL=redis://…` / `rediss://…`: sessions in Redis or Valkey, shared by every replica, so
 * any replica serves any session. `redis+cluster://host:port,host:port…` (`rediss+cluster://`)
 * names the seed nodes of a Redis Cluster; the client finds the others and follows redirections.
 *
 * Keys of session `id`, all under the hash tag `{id}` (one Redis Cluster slot, so scripts may
 * touch them together):
 *
 * - `fa:{id}:meta`   hash: owner (absent when null), config, ttl (seconds), created, rows,
 *                    batches, version (bumped by every change of the state);
 * - `fa:{id}:counts` string: the encoded count states (absent before the first batch);
 * - `fa:{id}:chunks` list: the rows chunks, in the order they were applied;
 * - `fa:{id}:idem`   hash: Idempotency-Key → JSON `{fingerprint, answer}`.
 *
 * Every key carries the session's inactivity TTL (PEXPIRE), restarted by every operation, so an
 * idle session disappears whole.
 *
 * Atomicity: adding count states needs the codec, which lives here, not in Redis, so a change is
 * optimistic: one script reads a snapshot (and restarts the TTL), the new state is computed here,
 * and a second script writes it only if `version` has not moved since, all keys in one step;
 * otherwise the change is recomputed from a fresh snapshot (bounded retries, jittered backoff).
 * Scripts keep no state on the connection (unlike WATCH), so one connection serves any number of
 * concurrent operations. Two replicas sending one Idempotency-Key at once: one write wins, the
 * other's fails the version check, rereads and replays the winner's answer.
 *
 * A command whose connection drops before its reply is not resent (`autoResendUnfulfilledCommands`
 * off): its outcome is unknown, so the caller gets an error rather than a possible double count;
 * a client retry with an Idempotency-Key then counts once.
 */

const MAX_ATTEMPTS = 100;
/** RPUSH or HMGET arguments per call inside a script (Lua's `unpack` has a stack limit, ~8,000). */
const PUSH_BATCH = 1000;

/** Restarts the TTL of every key from `ttl` in meta; `false` (nil) when the session is gone. */
const TOUCH = `
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return nil end
local ttl
for i = 1, #meta, 2 do if meta[i] == 'ttl' then ttl = tonumber(meta[i + 1]) end end
local ms = math.max(1, math.floor(ttl * 1000))
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms) end
`;

/**
 * ARGV[1] mode: 'meta' → {meta}; 'load' → {meta, counts, chunks}; 'apply' → {meta, counts, seen}
 * with ARGV[2] '1' and ARGV[3] the Idempotency-Key when there is one.
 */
const READ = `${TOUCH.replace('return nil', 'return false')}
local mode = ARGV[1]
if mode == 'meta' then return {meta} end
local counts = redis.call('GET', KEYS[2])
if mode == 'load' then return {meta, counts, redis.call('LRANGE', KEYS[3], 0, -1)} end
local seen = {}
for i = 2, #ARGV, ${PUSH_BATCH} do
  local part = redis.call('HMGET', KEYS[4], unpack(ARGV, i, math.min(i + ${PUSH_BATCH - 1}, #ARGV)))
  for j = 1, #part do seen[#seen + 1] = part[j] end
end
return {meta, counts, seen}
`;

/**
 * Writes a computed state if meta's version is still ARGV[1]: rows ARGV[2], batches ARGV[3],
 * counts ARGV[5] when ARGV[4] is '1', idempotency record ARGV[7] → ARGV[8] when ARGV[6] is '1',
 * and appends ARGV[9..] to the chunks. 1 when written, 0 when the version moved or the session
 * is gone.
 */
const COMMIT = `
local version = redis.call('HGET', KEYS[1], 'version')
if version == false or version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rows', ARGV[2], 'batches', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[4] == '1' then redis.call('SET', KEYS[2], ARGV[5]) end
local at = 7
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', KEYS[4], ARGV[at], ARGV[at + 1])
  at = at + 2
end
for i = at, #ARGV, ${PUSH_BATCH} do
  redis.call('RPUSH', KEYS[3], unpack(ARGV, i, math.min(i + ${PUSH_BATCH - 1}, #ARGV)))
end
local ms = math.max(1, math.floor(tonumber(redis.call('HGET', KEYS[1], 'ttl')) * 1000))
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms) end
return 1
`;

/** Empties the state and forgets the last epoch's idempotency keys, keeping the record (as the other stores do). */
const RESET = `${TOUCH.replace('return nil', 'return 0')}
-- A new epoch: counts, rows and the last epoch's idempotency keys go.
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'rows', 0, 'batches', 0)
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

type Reply = Buffer | null | Reply[];
type Keys = [string, string, string, string];

interface Scripts {
  sessionReadBuffer(...args: [...Keys, ...Array<string | Buffer>]): Promise<Reply[] | null>;
  sessionCommit(...args: [...Keys, ...Array<string | Buffer>]): Promise<number>;
  sessionReset(...args: Keys): Promise<number>;
}

interface Meta {
  record: SessionRecord;
  rows: number;
  batches: number;
  version: string;
}

function keysOf(id: string): Keys {
  const tag = `fa:{${id}}`;
  return [`${tag}:meta`, `${tag}:counts`, `${tag}:chunks`, `${tag}:idem`];
}

function parseMeta(id: string, flat: Reply): Meta {
  const fields = new Map<string, string>();
  const items = flat as Buffer[];
  for (let i = 0; i < items.length; i += 2) fields.set(items[i].toString(), items[i + 1].toString());
  const field = (name: string) => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`redis session ${id}: meta has no ${name}`);
    return value;
  };
  return {
    record: { id, owner: fields.get('owner') ?? null, config: field('config'), ttlSeconds: Number(field('ttl')), createdAt: Number(field('created')) },
    rows: Number(field('rows')),
    batches: Number(field('batches')),
    version: field('version'),
  };
}

/**
 * Bytes from ioredis as a plain Uint8Array, 8-byte aligned: replies are Buffers sliced from a
 * shared pool at any offset, and the codec's float64 views need alignment (its unaligned-case
 * `slice` copies only for a plain Uint8Array: `Buffer#slice` is a view).
 */
const fromRedis = (value: Buffer): Uint8Array => (value.byteOffset % 8 === 0 ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value));

const fromRedisOrNull = (value: Reply | undefined): Uint8Array | null => (value ? fromRedis(value as Buffer) : null);

const asBytes = (value: Uint8Array) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jittered, growing pause between two attempts of a conflicting change (at most ~100 ms). */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(100, 2 ** Math.min(attempt, 7)));

/** The URL without credentials or query (which may carry a password), for logs and /readyz. */
function describeUrl(url: string): string {
  const cluster = clusterAddress(url);
  if (cluster) return `${cluster.tls ? 'rediss' : 'redis'}+cluster://${cluster.seeds.map(seedText).join(',')}`;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'redis';
  }
}

/**
 * How long a command may wait for its reply. Past it the command fails (a 503), though the
 * server may still apply it: its outcome is unknown, as when a connection drops (a retry with
 * an Idempotency-Key counts once). Without it a server that accepts connections but does not
 * answer (stopped, swapping) held requests forever, and so did a command whose reply was lost:
 * ioredis forgets the commands in flight when it reconnects without resending them.
 */
const COMMAND_TIMEOUT_MS = 15_000;

/**
 * A client for `url`, not yet connected. Either kind fails a command rather than hold it while
 * the server is unreachable or silent (so /readyz and the API answer 503), and never resends a
 * command whose reply was lost.
 */
function clientFor(url: string, commandTimeoutMs: number): { client: Redis | Cluster; connected: () => void } {
  const options: RedisOptions = {
    connectTimeout: 10_000,
    commandTimeout: commandTimeoutMs,
    // Commands queued while reconnecting fail after a few attempts instead of hanging /readyz.
    maxRetriesPerRequest: 3,
    // A command in flight when the connection drops may have been applied: never send it twice.
    autoResendUnfulfilledCommands: false,
  };
  const cluster = clusterAddress(url);
  if (!cluster) return { client: new Redis(url, { ...options, lazyConnect: true }), connected: () => undefined };
  let connected = false;
  const client = new Cluster(cluster.seeds, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // The cluster client resends a command whose connection closed (after a failover pause):
    // it may have been applied, so that would count a batch twice. Redirections (MOVED, ASK,
    // TRYAGAIN, CLUSTERDOWN), answered before anything ran, are still followed.
    retryDelayOnFailover: 0,
    // The first connection fails loudly; once connected, the client keeps trying to reconnect.
    clusterRetryStrategy: (times) => (connected ? Math.min(100 * times, 2000) : null),
    redisOptions: { ...options, username: cluster.username, password: cluster.password, tls: cluster.tls ? {} : undefined },
  });
  return { client, connected: () => (connected = true) };
}

export class RedisStore implements SessionStore {
  readonly description: string;
  private readonly scripts: Scripts;

  private constructor(
    private readonly redis: Redis | Cluster,
    url: string,
  ) {
    this.description = describeUrl(url);
    redis.defineCommand('sessionRead', { numberOfKeys: 4, lua: READ });
    redis.defineCommand('sessionCommit', { numberOfKeys: 4, lua: COMMIT });
    redis.defineCommand('sessionReset', { numberOfKeys: 4, lua: RESET });
    this.scripts = redis as unknown as Scripts;
  }

  /**
   * Connects (failing when the server does not answer, or when a plain URL names a cluster node)
   * and returns the store. `commandTimeoutMs`: how long a command waits for its reply (tests
   * shorten it).
   */
  static async connect(url: string, { commandTimeoutMs = COMMAND_TIMEOUT_MS } = {}): Promise<RedisStore> {
    const { client: redis, connected } = clientFor(url, commandTimeoutMs);
    const store = new RedisStore(redis, url);
    // Without a listener ioredis prints every reconnection error; commands still reject with it.
    // The last one explains a failed connect; a cluster's own (wrong password, cluster support
    // disabled) come per node and say more than its "None of startup nodes is available".
    let lastError: Error | null = null;
    let nodeError: Error | null = null;
    redis.on('error', (error: Error) => (lastError = error));
    redis.on('node error', (error: Error) => (nodeError = error));
    try {
      await redis.connect();
      // The cluster client connects to a node on the first command for it, and refuses the
      // commands that arrive while that connection is being made (it may not resend them):
      // every master is connected before the store serves.
      if (redis instanceof Cluster) await Promise.all(redis.nodes('master').map((node) => node.ping()));
      await store.ping();
      // (A user whose ACL forbids INFO is let through: the check only helps.)
      if (redis instanceof Redis && /^cluster_enabled:1\b/m.test(await redis.info('cluster').catch(() => ''))) {
        throw new Error('this server is a Redis Cluster node, which holds only some sessions: name the cluster with redis+cluster://host:port[,host:port…]');
      }
      connected();
    } catch (error) {
      redis.disconnect();
      const why = (nodeError as Error | null) ?? (lastError as Error | null);
      const cause = why && why !== error && !(error as Error).message.includes(why.message) ? ` (${why.message})` : '';
      throw new Error(`cannot connect to ${store.description}: ${(error as Error).message}${cause}`, { cause: error });
    }
    return store;
  }

  async create(record: SessionRecord): Promise<void> {
    const keys = keysOf(record.id);
    const fields: Record<string, string> = {
      config: record.config,
      ttl: String(record.ttlSeconds),
      created: String(record.createdAt),
      rows: '0',
      batches: '0',
      version: '0',
    };
    if (record.owner !== null) fields.owner = record.owner;
    const results = await this.redis
      .multi()
      .del(...keys)
      .hset(keys[0], fields)
      .pexpire(keys[0], Math.max(1, Math.floor(record.ttlSeconds * 1000)))
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error(`redis session ${record.id}: create aborted`);
  }

  async describe(id: string, _owner: string | null): Promise<SessionRecord | null> {
    const reply = await this.scripts.sessionReadBuffer(...keysOf(id), 'meta');
    return reply ? parseMeta(id, reply[0]).record : null;
  }

  async load(id: string, _owner: string | null): Promise<{ record: SessionRecord; state: StoredState } | null> {
    const reply = await this.scripts.sessionReadBuffer(...keysOf(id), 'load');
    if (!reply) return null;
    const meta = parseMeta(id, reply[0]);
    return {
      record: meta.record,
      state: { counts: fromRedisOrNull(reply[1]), chunks: (reply[2] as Buffer[]).map(fromRedis), rows: meta.rows, batches: meta.batches },
    };
  }

  /**
   * Folds a batch in. Batches to one session that arrive in the same turn of the event loop are
   * committed together (one read, one versioned commit, in arrival order), so concurrent clients
   * of a replica share two round trips instead of each paying them and conflicting.
   */
  apply(id: string, change: BatchChange): Promise<ApplyResult> {
    return new Promise((resolve, reject) => {
      let queue = this.pending.get(id);
      if (!queue) this.pending.set(id, (queue = []));
      queue.push({ change, resolve, reject });
      // One group per session in flight: what arrives meanwhile is the next group.
      if (queue.length === 1 && !this.inFlight.has(id)) setImmediate(() => this.flush(id));
    });
  }

  private readonly pending = new Map<string, Array<{ change: BatchChange; resolve: (r: ApplyResult) => void; reject: (e: unknown) => void }>>();
  private readonly inFlight = new Set<string>();

  private flush(id: string): void {
    const group = this.pending.get(id) ?? [];
    this.pending.delete(id);
    if (group.length === 0) return;
    this.inFlight.add(id);
    this.applyGroup(id, group.map((g) => g.change))
      .then(
        (results) => group.forEach((g, i) => g.resolve(results[i])),
        (error: unknown) => group.forEach((g) => g.reject(error)),
      )
      .finally(() => {
        this.inFlight.delete(id);
        if (this.pending.has(id)) this.flush(id);
      });
  }

  private async applyGroup(id: string, changes: BatchChange[]): Promise<ApplyResult[]> {
    const keys = keysOf(id);
    const asked = [...new Set(changes.flatMap((c) => (c.idempotencyKey === null ? [] : [c.idempotencyKey])))];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const reply = await this.scripts.sessionReadBuffer(...keys, 'apply', ...asked);
      if (!reply) return changes.map(() => ({ kind: 'not-found' }) as const);
      const meta = parseMeta(id, reply[0]);
      const seen = new Map<string, { fingerprint: string; answer: string }>();
      (reply[2] as Array<Buffer | null>).forEach((entry, i) => entry && seen.set(asked[i], JSON.parse(entry.toString()) as { fingerprint: string; answer: string }));
      let rows = meta.rows;
      let batches = meta.batches;
      let counts = fromRedisOrNull(reply[1]);
      const remembered: Array<string | Buffer> = [];
      const chunks: Buffer[] = [];
      const results = changes.map((change): ApplyResult => {
        const key = change.idempotencyKey;
        const first = key === null ? undefined : seen.get(key);
        if (first) return first.fingerprint === change.fingerprint ? { kind: 'replayed', answer: first.answer } : { kind: 'key-reused' };
        if (change.chunk !== null && rows + change.rows > change.maxRows) return { kind: 'too-many-rows', rows };
        rows += change.rows;
        batches += 1;
        counts = addCounts(counts, change.counts);
        const answer = batchAnswer({ rows, batches }, change.answerFields);
        if (key !== null) {
          const entry = { fingerprint: change.fingerprint, answer };
          seen.set(key, entry);
          remembered.push(key, JSON.stringify(entry));
        }
        if (change.chunk !== null) chunks.push(asBytes(change.chunk));
        return { kind: 'applied', answer };
      });
      if (!results.some((r) => r.kind === 'applied')) return results;
      const args: Array<string | Buffer> = [meta.version, String(rows), String(batches), counts ? '1' : '0', counts ? asBytes(counts) : '', String(remembered.length / 2), ...remembered, ...chunks];
      if ((await this.scripts.sessionCommit(...keys, ...args)) === 1) return results;
    }
    throw new Error(`redis session ${id}: batch not applied after ${MAX_ATTEMPTS} conflicting attempts`);
  }

  async reset(id: string): Promise<boolean> {
    return (await this.scripts.sessionReset(...keysOf(id))) === 1;
  }

  async mergeFrom(id: string, from: StoredState[], maxRows: number) {
    const keys = keysOf(id);
    const incoming = combineStates(from);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const reply = await this.scripts.sessionReadBuffer(...keys, 'apply');
      if (!reply) return { kind: 'not-found' } as const;
      const meta = parseMeta(id, reply[0]);
      if (incoming.chunks.length > 0 && meta.rows + incoming.rows > maxRows) return { kind: 'too-many-rows', rows: meta.rows } as const;
      const rows = meta.rows + incoming.rows;
      const batches = meta.batches + incoming.batches;
      const counts = addCounts(fromRedisOrNull(reply[1]), incoming.counts);
      const args: Array<string | Buffer> = [meta.version, String(rows), String(batches), counts ? '1' : '0', counts ? asBytes(counts) : '', '0'];
      for (const chunk of incoming.chunks) args.push(asBytes(chunk));
      if ((await this.scripts.sessionCommit(...keys, ...args)) === 1) return { kind: 'merged', rows, batches } as const;
    }
    throw new Error(`redis session ${id}: merge not applied after ${MAX_ATTEMPTS} conflicting attempts`);
  }

  async delete(id: string): Promise<boolean> {
    const [meta, ...rest] = keysOf(id);
    const results = await this.redis.multi().del(meta).del(...rest).exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error(`redis session ${id}: delete aborted`);
    return results[0][1] === 1;
  }

  /**
   * The server answers; a cluster's reachable master also says the cluster's state is ok (a
   * cluster that lost every node of a slot refuses every command, and a PING to a live node
   * would not tell).
   */
  async ping(): Promise<void> {
    if (!(this.redis instanceof Cluster)) {
      await this.redis.ping();
      return;
    }
    const node = this.redis.nodes('master').find((n) => n.status === 'ready');
    if (!node) throw new Error('no node of the cluster is reachable');
    const info = String(await node.cluster('INFO'));
    if (!/^cluster_state:ok\b/m.test(info)) throw new Error(`the cluster is down (${/^cluster_state:\S+/m.exec(info)?.[0] ?? 'no cluster_state'})`);
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
