import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteOptions } from './sqlite-store.js';
import type { StoredState } from './store.js';

/** What the main thread asks (see ./sqlite-thread-store.ts): one store method and its arguments. */
export interface StoreRequest {
  id: number;
  method: 'create' | 'describe' | 'load' | 'apply' | 'reset' | 'mergeFrom' | 'delete' | 'ping' | 'sweep' | 'close';
  args: unknown[];
  /** The caller's clock (ms since the epoch), so TTLs count on the clock a test injects. */
  now: number;
}

/** The answer to one request, or the first message: `opened` or `open-failed`. */
export type StoreReply =
  | { kind: 'opened' }
  | { kind: 'open-failed'; message: string }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; message: string };

export interface StoreWorkerData {
  path: string;
  options: SqliteOptions;
}

/** The buffers a loaded state holds, each whole, to transfer rather than copy. */
function buffersOf(state: StoredState): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const bytes of [state.counts, ...state.chunks]) {
    if (bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) buffers.add(bytes.buffer);
  }
  return [...buffers];
}

/**
 * The thread that owns the SQLite file: one `SqliteStore` (synchronous underneath), its calls
 * made in the order they arrive. A wait for another process's lock holds this thread only.
 * Batches arriving together still commit together (SqliteStore's group commit).
 */
function serve(): void {
  const port = parentPort!;
  const { path, options } = workerData as StoreWorkerData;
  // The clock of the request being served; between requests (the sweep), real time shifted as
  // the last request's clock was.
  let current: number | null = null;
  let offset = 0;
  let store: SqliteStore;
  try {
    store = new SqliteStore(path, () => current ?? Date.now() + offset, options);
  } catch (error) {
    port.postMessage({ kind: 'open-failed', message: (error as Error).message } satisfies StoreReply);
    port.close();
    return;
  }
  port.postMessage({ kind: 'opened' } satisfies StoreReply);
  port.on('message', (request: StoreRequest) => {
    offset = request.now - Date.now();
    current = request.now;
    let answer: Promise<unknown>;
    try {
      answer = request.method === 'sweep' ? Promise.resolve(store.sweep()) : (store[request.method] as (...args: unknown[]) => Promise<unknown>).apply(store, request.args);
    } catch (error) {
      answer = Promise.reject(error);
    } finally {
      current = null;
    }
    answer.then(
      (value) => {
        const loaded = request.method === 'load' && value !== null ? buffersOf((value as { state: StoredState }).state) : [];
        port.postMessage({ kind: 'result', id: request.id, ok: true, value } satisfies StoreReply, loaded);
        if (request.method === 'close') port.close();
      },
      (error: unknown) => port.postMessage({ kind: 'result', id: request.id, ok: false, message: (error as Error).message ?? String(error) } satisfies StoreReply),
    );
  });
}

serve();
