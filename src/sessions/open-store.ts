import { ConfigError } from '../config.js';
import { MemoryStore } from './memory-store.js';
import { SqliteThreadStore, StoreOpenError } from './sqlite-thread-store.js';
import type { SessionStore } from './store.js';
import type { Durability, StoreLog } from './redis-store.js';

/** What opening a store may be told beyond its URL. */
export interface StoreOptions {
  /** SQLITE_MAX_MB in bytes (0: only the disk limits the file). */
  sqliteMaxBytes?: number;
}

/**
 * The store STORE_URL names: `sqlite:<path>` (the embedded default, in a thread of its own),
 * `memory:`, or `redis://…` / `rediss://…` / `redis+cluster://…` (loaded only when asked, with
 * its client). `redis`: what a Redis write waits for (REDIS_DURABILITY) and where the store
 * reports what it finds at start (a server weaker than that durability, a lost epoch).
 *
 * @throws {ConfigError} naming STORE_URL, the path and the system's reason when the SQLite file
 * cannot be opened or created (a read-only or missing folder), so the service exits with one line
 */
export async function openStore(url: string, options: StoreOptions = {}, redis: { durability?: Durability; log?: StoreLog } = {}): Promise<SessionStore> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) {
    try {
      return await SqliteThreadStore.open(url.slice('sqlite:'.length), { maxBytes: options.sqliteMaxBytes ?? 0 });
    } catch (error) {
      if (error instanceof StoreOpenError) throw new ConfigError(`STORE_URL=${url}: ${error.message}`);
      throw error;
    }
  }
  const { RedisStore } = await import('./redis-store.js');
  return RedisStore.connect(url, redis);
}
