import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { SessionStore } from './store.js';

/**
 * The store STORE_URL names: `sqlite:<path>` (the embedded default), `memory:`, or
 * `redis://…` / `rediss://…` / `redis+cluster://…` (loaded only when asked, with its client).
 */
export async function openStore(url: string): Promise<SessionStore> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  const { RedisStore } = await import('./redis-store.js');
  return RedisStore.connect(url);
}
