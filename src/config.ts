import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { redisUrlProblem } from './store-url.js';

const MiB = 1024 * 1024;

const integerFrom = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The whole environment contract of the service, parsed once at start-up.
 * Nothing else in the code base reads `process.env`.
 */
export const ConfigSchema = z.object({
  PORT: integerFrom(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: integerFrom(64 * MiB, 1024),
  WORKERS: integerFrom(Math.max(1, availableParallelism()), 1, 256),
  MAX_QUEUE: integerFrom(64, 0),
  REQUEST_TIMEOUT_MS: integerFrom(30_000, 1),
  /**
   * How long one start-up plugin (the worker pool: until every worker answers its ping) may
   * take before the start fails, in ms; 0 waits without limit.
   * Fastify's 10 s default fails starts on a loaded machine; a hang is what this catches.
   */
  PLUGIN_TIMEOUT_MS: integerFrom(120_000, 0),
  /**
   * The whole request (headers and body) must arrive within this, or the connection gets a 408
   * and is closed (Node's `server.requestTimeout`). The default lets a 64 MiB body (the default
   * BODY_LIMIT_BYTES) arrive over a link of 4.5 Mbit/s; a client holding a socket open with a
   * partial body is cut then.
   */
  BODY_TIMEOUT_MS: integerFrom(120_000, 1),
  /** The request's headers must arrive within this (Node's `server.headersTimeout`; at most BODY_TIMEOUT_MS): slowloris. */
  HEADERS_TIMEOUT_MS: integerFrom(10_000, 1),
  /**
   * A socket on which nothing moves for this long is closed (fastify's `connectionTimeout`). A
   * computation leaves the socket silent for up to REQUEST_TIMEOUT_MS, so it must be longer.
   */
  IDLE_TIMEOUT_MS: integerFrom(60_000, 1),
  /**
   * Requests one connection may carry before the server closes it (Node's maxRequestsPerSocket;
   * pipelined requests past it are answered 503): bounds the burst one socket can make the event
   * loop parse and answer in a row. 0: no limit.
   */
  MAX_REQUESTS_PER_SOCKET: integerFrom(100, 0),
  /** How long a keep-alive connection waits for its next request (fastify's `keepAliveTimeout`; longer than a load balancer's idle timeout). */
  KEEP_ALIVE_TIMEOUT_MS: integerFrom(72_000, 1),
  INLINE_MAX_BYTES: integerFrom(64 * 1024, 0),
  RESPONSE_VALIDATION: z.stringbool().default(false),
  /** Heap limit of each worker thread; a batch that needs more fails alone (500) and the worker is replaced. */
  WORKER_MEMORY_MB: integerFrom(4096, 16),
  /**
   * Memory the computations in the worker pool may be priced at together, in MiB (a body costs
   * about 16 times its size while decoded and computed, kept session rows 8 times their stored
   * size: measured). A request priced over it alone is a 413; one that would take the total in
   * flight past it is a 503 with Retry-After. Default (0): WORKER_MEMORY_MB.
   */
  MEMORY_BUDGET_MB: integerFrom(0, 0),
  /** Numbers per request (preds plus labels); more is a 413. Default: what the body limit can hold. */
  MAX_ELEMENTS: integerFrom(0, 0),
  /**
   * Bytes of metric state one request or session may hold (binned counts: classes × thresholds,
   * C × C matrices, calibration bins); more is a 413 naming the option, before anything is allocated.
   */
  MAX_STATE_BYTES: integerFrom(64 * MiB, 1024),
  /**
   * Units of work one computation may cost (about one operation on one number: rows × classes per
   * counting pass, × log of a sort or search, × resamples); more is a 413 before it starts.
   * Default (0): REQUEST_TIMEOUT_MS × 50,000, what the slowest kernel (bootstrap resampling, ~10^8
   * units/s here) does in half the timeout, so accepted work ends in time on a slower machine too.
   */
  MAX_WORK: integerFrom(0, 0),
  /** Work above which a computation runs in the worker pool, never on the event loop (~5 ms of one core). */
  INLINE_MAX_WORK: integerFrom(1_000_000, 0),
  /** Comma-separated bearer tokens; when set, /v1/* requires one. */
  API_TOKENS: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((token) => token.trim()).filter(Boolean)),
  DOCS_REQUIRE_AUTH: z.stringbool().default(false),
  /**
   * Where sessions live: `sqlite:<path>` (the embedded default, a durable file), `memory:`,
   * `redis://[:password@]host:port[/db]` (`rediss://` for TLS) shared by every replica, or
   * `redis+cluster://[:password@]host:port[,host:port…]` for a Redis Cluster.
   */
  STORE_URL: z
    .string()
    .regex(/^(sqlite:.+|memory:|rediss?(\+cluster)?:\/\/.*)$/, 'expected sqlite:<path>, memory:, redis://host:port or redis+cluster://host:port,host:port')
    .superRefine((url, context) => {
      const problem = url.startsWith('redis') ? redisUrlProblem(url) : null;
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .default('sqlite:./data/sessions.sqlite'),
  /**
   * What a Redis store's write must reach before the service answers 200: `fsync` (the master's
   * append-only file on disk: `appendfsync always`, or WAITAOF after each write on Redis ≥ 7.2 /
   * Valkey ≥ 8), `replica` (at least one replica, WAIT 1), or `none` (Redis's memory; a crash of
   * Redis may lose what it had not persisted). A server that cannot give it is warned about at start.
   */
  REDIS_DURABILITY: z.enum(['fsync', 'replica', 'none']).default('fsync'),
  /**
   * Caps the SQLite session file (STORE_URL=sqlite:…), in MiB; 0: only the disk does. A batch
   * that would grow the file further is a 503 saying "database or disk is full", and /readyz
   * turns 503, as on a full disk; room freed by deleted or expired sessions is used again.
   */
  SQLITE_MAX_MB: integerFrom(0, 0),
  /**
   * Bytes of count state one session may hold (binned thresholds × classes, matrices): it is read,
   * added to and written on every batch and merge, so it is bounded tighter than a request's
   * MAX_STATE_BYTES; more is a 413 at the session's creation.
   */
  SESSION_MAX_STATE_BYTES: integerFrom(8 * MiB, 1024),
  /** Rows an exact session may hold (its ranking metrics keep every row); more is a 413. */
  SESSION_MAX_ROWS: integerFrom(20_000_000, 1),
  /**
   * Scores (rows × classes or labels) an exact session may hold: what a compute of its epoch
   * holds grows with the scores, so a session of C classes keeps at most this / C rows.
   */
  SESSION_MAX_SCORES: integerFrom(20_000_000, 1),
  /** A session's inactivity time to live when its creation does not say (ttl_seconds). */
  SESSION_TTL_SECONDS: integerFrom(86_400, 60, 30 * 86_400),
}).superRefine((config, context) => {
  if (config.HEADERS_TIMEOUT_MS > config.BODY_TIMEOUT_MS) {
    context.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: `must be at most BODY_TIMEOUT_MS (${config.BODY_TIMEOUT_MS}): the headers are part of the request` });
  }
  if (config.IDLE_TIMEOUT_MS <= config.REQUEST_TIMEOUT_MS) {
    context.addIssue({ code: 'custom', path: ['IDLE_TIMEOUT_MS'], message: `must be longer than REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS}): a computation leaves the socket silent that long` });
  }
});

export type Config = z.infer<typeof ConfigSchema>;

/** MAX_ELEMENTS, or its default: a JSON number takes at least two bytes ("0,"). */
export const maxElementsOf = (config: Config): number => config.MAX_ELEMENTS || Math.floor(config.BODY_LIMIT_BYTES / 2);

/** The limits of the cost model (src/batch/limits.ts) for a thread: inline work applies to the main thread only. */
export const limitsOf = (config: Config, thread: 'main' | 'worker') => ({
  maxElements: maxElementsOf(config),
  maxStateBytes: config.MAX_STATE_BYTES,
  maxWork: config.MAX_WORK || config.REQUEST_TIMEOUT_MS * 50_000,
  inlineWork: thread === 'main' ? config.INLINE_MAX_WORK : Number.POSITIVE_INFINITY,
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment. Every invalid variable is named in the thrown error, so an operator
 * sees `PORT: expected a number ...` instead of a stack trace.
 *
 * @throws {ConfigError} when a variable is present but invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(ConfigSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${lines.join('; ')}`);
  }
  return parsed.data;
}

/** The configuration a test or embedding application gets without any environment. */
export const defaultConfig = (overrides: Partial<Config> = {}): Config => ({
  ...ConfigSchema.parse({}),
  ...overrides,
});
