import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { SessionStore } from './store.js';
import type { Durability, StoreLog } from './redis-store.js';

/**
 * The store STORE_URL names: `sqlite:<path>` (the embedded default), `memory:`, or
 * `redis://…` / `rediss://…` / `redis+cluster://…` (loaded only when asked, with its client).
 * `redis`: what a Redis write waits for (REDIS_DURABILITY) and where the store reports what it
 * finds at start (a server weaker than that durability, a lost epoch).
 */
export async function openStore(url: string, redis: { durability?: Durability; log?: StoreLog } = {}): Promise<SessionStore> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  const { RedisStore } = await import('./redis-store.js');
  return RedisStore.connect(url, redis);
}
