import { buildApp, type App } from '../../src/app.js';
import { defaultConfig, type Config } from '../../src/config.js';

/** A real app (real routes, real worker pool) for `inject`, with logging off. */
export const testApp = (overrides: Partial<Config> = {}): Promise<App> =>
  buildApp(defaultConfig({ WORKERS: 1, RESPONSE_VALIDATION: true, STORE_URL: 'memory:', ...overrides }), { logger: false });

/**
 * The two ways a body is computed: parsed and computed inline on the main thread (small
 * bodies), or sent raw to the worker pool which parses, validates and computes (large ones).
 * INLINE_MAX_BYTES = 0 forces every body through the pool.
 */
export const bodyPaths = [
  { path: 'inline', config: { INLINE_MAX_BYTES: 64 * 1024 * 1024, INLINE_MAX_WORK: Number.MAX_SAFE_INTEGER } },
  { path: 'worker pool', config: { INLINE_MAX_BYTES: 0 } },
] as const;
