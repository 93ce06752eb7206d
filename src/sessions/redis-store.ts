import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { storeUnavailable } from '../errors.js';
import { clusterAddress, seedText } from '../store-url.js';
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
 * Every key carries the session's inactivity TTL (PEXPIRE), restarted by every change and by its
 * owner's reads, so an idle session disappears whole. Two keys belong to the store: `fa:epoch`
 * (a random id, no TTL: gone or changed means Redis lost its data, see `missing`) and
 * `fa:readyz` (/readyz's write, 10 s TTL).
 *
 * Durability: every write is one script, followed on its node by WAITAOF or WAIT when
 * REDIS_DURABILITY needs it and the server's own persistence does not give it (see `Durability`).
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

/**
 * What a write must reach before the store reports it done (REDIS_DURABILITY):
 * - `fsync`: the master's append-only file on disk. A server with `appendfsync always` does this
 *   before it answers; with `everysec`, every write is followed by `WAITAOF 1 0` (Redis ≥ 7.2,
 *   Valkey ≥ 8); a server that can do neither is used with a warning at start.
 * - `replica`: at least one replica's memory (`WAIT 1`): survives the loss of the master when a
 *   replica takes over, not a crash of them all.
 * - `none`: the master's memory; what survives is whatever the server's own persistence keeps.
 */
export type Durability = 'fsync' | 'replica' | 'none';

/** Where the store reports what it found at connect (a pino logger fits). */
export interface StoreLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

const silentLog: StoreLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** How long a write waits for its durability (WAIT / WAITAOF) before it fails as an unknown outcome. */
const DURABILITY_TIMEOUT_MS = 5_000;

/** The store's epoch: a random id with no TTL, set once; gone or changed means Redis lost its data. */
const EPOCH_KEY = 'fa:epoch';

/** /readyz's write. */
const READYZ_KEY = 'fa:readyz';

/** How long after seeing the loss a missing session is answered 503 "lost" (the shortest session TTL). */
const LOSS_REPORTED_MS = 60_000;
/** RPUSH or HMGET arguments per call inside a script (Lua's `unpack` has a stack limit, ~8,000). */
const PUSH_BATCH = 1000;

/**
 * Reads meta into `meta`, `ttl` and `owner` (false when null); returns `nil` when the session is
 * gone. `touch()` restarts the TTL of every key from `ttl`.
 */
const META = `
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return nil end
local ttl, owner = nil, false
for i = 1, #meta, 2 do
  if meta[i] == 'ttl' then ttl = tonumber(meta[i + 1]) end
  if meta[i] == 'owner' then owner = meta[i + 1] end
end
local function touch()
  local ms = math.max(1, math.floor(ttl * 1000))
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms) end
end
`;

/**
 * ARGV[1] mode: 'meta' → {meta}; 'load' → {meta, counts, chunks}; 'apply' → {meta, counts, seen}
 * with ARGV[3..] the Idempotency-Keys asked. ARGV[2] says whose read this is: '*' (a change,
 * which always restarts the TTL), '-' (no token) or '=' and the owner digest; a read restarts the
 * TTL only when it is the record's owner's, so another token's 404 keeps nobody's session alive.
 */
const READ = `${META.replace('return nil', 'return false')}
local reader = ARGV[2]
if reader == '*' or (reader == '-' and owner == false) or (owner ~= false and reader == '=' .. owner) then touch() end
local mode = ARGV[1]
if mode == 'meta' then return {meta} end
local counts = redis.call('GET', KEYS[2])
if mode == 'load' then return {meta, counts, redis.call('LRANGE', KEYS[3], 0, -1)} end
local seen = {}
for i = 3, #ARGV, ${PUSH_BATCH} do
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
const RESET = `${META.replace('return nil', 'return 0')}
touch()
-- A new epoch: counts, rows and the last epoch's idempotency keys go.
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'rows', 0, 'batches', 0)
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

/** A new session: its old keys (if any) go, meta ARGV[2..] (field, value pairs) with TTL ARGV[1] ms. */
const CREATE = `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/** Deletes a session's keys: 1 when it existed. */
const DELETE = `
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return existed
`;

/** Sets the store's epoch (KEYS[1]) to ARGV[1] unless it has one; answers the epoch. */
const EPOCH = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;

type Reply = Buffer | null | Reply[];
type Keys = [string, string, string, string];

interface Scripts {
  sessionReadBuffer(...args: [...Keys, ...Array<string | Buffer>]): Promise<Reply[] | null>;
}

/** The writing scripts, queued on a pipeline so a durability wait follows them on their node. */
interface WriteScripts {
  sessionCommit(...args: [...Keys, ...Array<string | Buffer>]): unknown;
  sessionReset(...args: Keys): unknown;
  sessionCreate(...args: [...Keys, ...string[]]): unknown;
  sessionDelete(...args: Keys): unknown;
  storeEpoch(key: string, value: string): unknown;
}

/** Who reads, for the READ script's ARGV[2]: a change ('*') or a token's digest (null: none). */
const readerOf = (owner: string | null | '*') => (owner === '*' ? '*' : owner === null ? '-' : `=${owner}`);

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
  /** The command that follows every write until it is as durable as REDIS_DURABILITY says, or null. */
  private durabilityWait: string[] | null = null;
  /** The store's epoch as this client last knew it (null until it could be read). */
  private epoch: string | null = null;
  /** When this client saw the epoch change or vanish (the store lost its data), or null. */
  private lostAt: number | null = null;

  private constructor(
    private readonly redis: Redis | Cluster,
    url: string,
    private readonly log: StoreLog,
  ) {
    this.description = describeUrl(url);
    redis.defineCommand('sessionRead', { numberOfKeys: 4, lua: READ });
    redis.defineCommand('sessionCommit', { numberOfKeys: 4, lua: COMMIT });
    redis.defineCommand('sessionReset', { numberOfKeys: 4, lua: RESET });
    redis.defineCommand('sessionCreate', { numberOfKeys: 4, lua: CREATE });
    redis.defineCommand('sessionDelete', { numberOfKeys: 4, lua: DELETE });
    redis.defineCommand('storeEpoch', { numberOfKeys: 1, lua: EPOCH });
    this.scripts = redis as unknown as Scripts;
  }

  /**
   * Connects (failing when the server does not answer, or when a plain URL names a cluster node)
   * and returns the store. `commandTimeoutMs`: how long a command waits for its reply (tests
   * shorten it). `durability`: what a write must reach before the store reports it done (see
   * {@link Durability}); the server's persistence is read here and a warning logged when it is
   * weaker than that. The store's epoch is read (or set) here, see {@link missing}.
   */
  static async connect(url: string, { commandTimeoutMs = COMMAND_TIMEOUT_MS, durability = 'fsync' as Durability, log = silentLog as StoreLog } = {}): Promise<RedisStore> {
    const { client: redis, connected } = clientFor(url, commandTimeoutMs);
    const store = new RedisStore(redis, url, log);
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
      await store.reachable();
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
    await store.settleDurability(durability);
    await store.armEpoch();
    return store;
  }

  /**
   * Chooses how writes wait for `durability` from what the server says (CONFIG GET appendonly /
   * appendfsync on every master, COMMAND INFO waitaof, INFO replication), and warns once when the
   * server cannot give it. Never fails the start: a managed Redis may refuse CONFIG.
   */
  private async settleDurability(durability: Durability): Promise<void> {
    if (durability === 'none') return;
    const masters = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    const warn = (problem: string, consequence: string) => this.log.warn({ store: this.description, durability, problem }, `REDIS_DURABILITY=${durability} is not what this Redis gives: ${problem}; ${consequence}`);
    if (durability === 'replica') {
      this.durabilityWait = ['WAIT', '1', String(DURABILITY_TIMEOUT_MS)];
      const replicas = await Promise.all(masters.map(async (node) => Number(/^connected_slaves:(\d+)/m.exec(await node.info('replication').catch(() => ''))?.[1] ?? NaN)));
      if (replicas.some((n) => n === 0)) warn('a master has no connected replica', 'every write waits for a replica\'s acknowledgement and fails (503) until one connects');
      return;
    }
    const settings = await Promise.all(
      masters.map(async (node) => {
        try {
          const flat = (await node.config('GET', 'append*')) as string[];
          const value = (name: string) => flat[flat.indexOf(name) + 1];
          return { appendonly: value('appendonly'), appendfsync: value('appendfsync') };
        } catch (error) {
          return { refused: (error as Error).message };
        }
      }),
    );
    const waitaof = await masters[0]
      .call('COMMAND', 'INFO', 'WAITAOF')
      .then((reply) => Array.isArray(reply) && reply[0] !== null, () => false);
    const refused = settings.find((s) => 'refused' in s);
    const weakest = settings.find((s) => 'appendonly' in s && (s.appendonly !== 'yes' || s.appendfsync !== 'always')) as { appendonly: string; appendfsync: string } | undefined;
    if (!refused && !weakest) return; // appendfsync always: Redis fsyncs every write before it answers.
    // Where CONFIG is refused, WAITAOF itself says whether there is an append-only file.
    const aofOff = weakest?.appendonly === 'no' || (refused && waitaof && (await masters[0].call('WAITAOF', '1', '0', '1000').then(() => false, (error: Error) => /appendonly/i.test(error.message))));
    if (aofOff) {
      warn(weakest ? 'appendonly is no' : `appendonly is off (WAITAOF says so; CONFIG GET refused: ${refused?.refused})`, 'a 200 is held in Redis\'s memory only: a restart of Redis loses every session (answered 503 "lost its data"); set appendonly yes with appendfsync always, or REDIS_DURABILITY=none to accept it');
      return;
    }
    if (waitaof) {
      // Every write is followed by WAITAOF on its node: the 200 waits for the next fsync (≤ 1 s with everysec).
      this.durabilityWait = ['WAITAOF', '1', '0', String(DURABILITY_TIMEOUT_MS)];
      if (refused) this.log.info({ store: this.description, problem: refused.refused }, 'Redis refused CONFIG GET: every write waits for WAITAOF');
      return;
    }
    if (refused) warn(`the server refused CONFIG GET (${refused.refused}) and has no WAITAOF (Redis < 7.2)`, 'the service cannot tell whether a 200 is on disk; make sure the server runs appendonly yes with appendfsync always');
    else warn(`appendfsync is ${weakest?.appendfsync} and the server has no WAITAOF (Redis < 7.2)`, 'a crash of Redis may lose batches answered 200 in the last second; set appendfsync always (as docker/ ships), or REDIS_DURABILITY=none to accept it');
  }

  /**
   * Runs one writing script, followed on the same node by the durability wait when there is one,
   * and answers the script's reply.
   *
   * @throws {Error} when the script fails, or when the write did not reach its durability within
   *   DURABILITY_TIMEOUT_MS: it is then applied in Redis's memory but not yet durable, an unknown
   *   outcome (a 503; a retry with its Idempotency-Key counts once)
   */
  private async written(command: (w: WriteScripts) => unknown): Promise<unknown> {
    const pipeline = this.redis.pipeline();
    command(pipeline as unknown as WriteScripts);
    if (this.durabilityWait) pipeline.call(...(this.durabilityWait as [string, ...string[]]));
    const results = await pipeline.exec();
    if (!results) throw new Error('the write was aborted');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0]!;
    if (this.durabilityWait) {
      const reply = results[1][1];
      const acknowledged = Array.isArray(reply) ? Number(reply[0]) : Number(reply);
      if (!(acknowledged >= 1)) {
        const what = this.durabilityWait[0] === 'WAIT' ? 'no replica acknowledged it' : 'Redis did not fsync it to its append-only file';
        throw new Error(`the write is in Redis's memory but ${what} within ${DURABILITY_TIMEOUT_MS} ms (${this.durabilityWait[0]}); it may or may not survive a crash`);
      }
    }
    return results[0][1];
  }

  /**
   * Reads the store's epoch (`fa:epoch`, no TTL), setting a random one when there is none.
   * Failing (a full Redis) leaves it unknown: the next miss tries again.
   */
  private async armEpoch(): Promise<void> {
    try {
      this.epoch = String(await this.written((w) => w.storeEpoch(EPOCH_KEY, randomBytes(16).toString('hex'))));
    } catch (error) {
      this.log.warn({ store: this.description, error: (error as Error).message }, 'cannot set the session store\'s epoch: a session lost with the store\'s data will read as expired until it can');
    }
  }

  /**
   * `answer` for an operation that found no session, once the store's epoch says the session
   * may simply have expired. When the epoch vanished or changed since this client last read it,
   * Redis lost its data (restarted without persistence, flushed, or failed over to an empty
   * replica): that is a 503 saying so, not a 404 "expired", for LOSS_REPORTED_MS after it was
   * seen (no session created since can have expired within a session's shortest TTL, 60 s).
   * Redis Cluster: the epoch lives in one slot, so this sees the loss of that slot's master
   * (or of the whole cluster), not of another master alone.
   *
   * @throws {ProblemError} 503 store-unavailable when the store lost its data
   */
  private async missing<T>(answer: T): Promise<T> {
    const current = await this.redis.get(EPOCH_KEY);
    if (this.epoch === null) {
      await this.armEpoch();
      return answer;
    }
    if (current !== this.epoch) {
      this.lostAt = Date.now();
      this.log.error({ store: this.description, epoch: this.epoch, now: current }, 'the session store lost its data: sessions created before are gone');
      this.epoch = null;
      await this.armEpoch();
    }
    if (this.lostAt !== null && Date.now() - this.lostAt < LOSS_REPORTED_MS) {
      throw storeUnavailable(
        `the session store (${this.description}) lost its data: Redis restarted without persistence, was flushed, or failed over to an empty replica, so this session (if it existed) is gone; create a new one`,
        undefined,
        { 'Retry-After': '1' },
      );
    }
    return answer;
  }

  async create(record: SessionRecord): Promise<void> {
    const fields = ['config', record.config, 'ttl', String(record.ttlSeconds), 'created', String(record.createdAt), 'rows', '0', 'batches', '0', 'version', '0'];
    if (record.owner !== null) fields.push('owner', record.owner);
    await this.written((w) => w.sessionCreate(...keysOf(record.id), String(Math.max(1, Math.floor(record.ttlSeconds * 1000))), ...fields));
  }

  async describe(id: string, owner: string | null): Promise<SessionRecord | null> {
    const reply = await this.scripts.sessionReadBuffer(...keysOf(id), 'meta', readerOf(owner));
    return reply ? parseMeta(id, reply[0]).record : this.missing(null);
  }

  async load(id: string, owner: string | null): Promise<{ record: SessionRecord; state: StoredState } | null> {
    const reply = await this.scripts.sessionReadBuffer(...keysOf(id), 'load', readerOf(owner));
    if (!reply) return this.missing(null);
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
      const reply = await this.scripts.sessionReadBuffer(...keys, 'apply', readerOf('*'), ...asked);
      if (!reply) return this.missing(changes.map(() => ({ kind: 'not-found' }) as const));
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
      if ((await this.written((w) => w.sessionCommit(...keys, ...args))) === 1) return results;
    }
    throw new Error(`redis session ${id}: batch not applied after ${MAX_ATTEMPTS} conflicting attempts`);
  }

  async reset(id: string): Promise<boolean> {
    return (await this.written((w) => w.sessionReset(...keysOf(id)))) === 1 || this.missing(false);
  }

  async mergeFrom(id: string, from: StoredState[], maxRows: number) {
    const keys = keysOf(id);
    const incoming = combineStates(from);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const reply = await this.scripts.sessionReadBuffer(...keys, 'apply', readerOf('*'));
      if (!reply) return this.missing({ kind: 'not-found' } as const);
      const meta = parseMeta(id, reply[0]);
      if (incoming.chunks.length > 0 && meta.rows + incoming.rows > maxRows) return { kind: 'too-many-rows', rows: meta.rows } as const;
      const rows = meta.rows + incoming.rows;
      const batches = meta.batches + incoming.batches;
      const counts = addCounts(fromRedisOrNull(reply[1]), incoming.counts);
      const args: Array<string | Buffer> = [meta.version, String(rows), String(batches), counts ? '1' : '0', counts ? asBytes(counts) : '', '0'];
      for (const chunk of incoming.chunks) args.push(asBytes(chunk));
      if ((await this.written((w) => w.sessionCommit(...keys, ...args))) === 1) return { kind: 'merged', rows, batches } as const;
    }
    throw new Error(`redis session ${id}: merge not applied after ${MAX_ATTEMPTS} conflicting attempts`);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.written((w) => w.sessionDelete(...keysOf(id)))) === 1 || this.missing(false);
  }

  /**
   * The store takes writes: a small write (`SET fa:readyz`, 10 s TTL) on the server, so a Redis
   * that answers PING but refuses every write (over `maxmemory` with noeviction: OOM; a
   * read-only replica: READONLY) is not ready. A cluster's reachable master also says the
   * cluster's state is ok (a cluster that lost every node of a slot refuses every command, and a
   * live node would not tell); its write goes to the one master of that key's slot.
   *
   * @throws {Error} saying why (the server's own error: OOM, READONLY, timed out, cluster down)
   */
  async ping(): Promise<void> {
    await this.reachable();
    await this.redis.set(READYZ_KEY, String(Date.now()), 'PX', 10_000);
  }

  /** The server answers PING (a cluster: a reachable master says cluster_state:ok). */
  private async reachable(): Promise<void> {
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
