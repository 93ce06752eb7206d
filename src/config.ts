import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { redisUrlProblem } from './sessions/store-url.js';

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
  /** How long a keep-alive connection waits for its next request (fastify's `keepAliveTimeout`; longer than a load balancer's idle timeout). */
  KEEP_ALIVE_TIMEOUT_MS: integerFrom(72_000, 1),
  INLINE_MAX_BYTES: integerFrom(64 * 1024, 0),
  RESPONSE_VALIDATION: z.stringbool().default(false),
  /** Heap limit of each worker thread; a batch that needs more fails alone (500) and the worker is replaced. */
  WORKER_MEMORY_MB: integerFrom(4096, 16),
  /** Numbers per request (preds plus labels); more is a 413. Default: what the body limit can hold. */
  MAX_ELEMENTS: integerFrom(0, 0),
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
  /** Rows an exact session may hold (its ranking metrics keep every row); more is a 413. */
  SESSION_MAX_ROWS: integerFrom(20_000_000, 1),
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
