import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteOptions } from './sqlite-store.js';
import type { StoreReply, StoreRequest, StoreWorkerData } from './sqlite-worker.js';
import type { ApplyResult, BatchChange, SessionRecord, SessionStore, StoredState } from './store.js';

/** Builds run the compiled thread; source runs (tests, tsx) load it through tsx. */
function workerFilename(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './sqlite-worker-from-source.mjs' : './sqlite-worker.js', import.meta.url));
}

/** How long /readyz waits for the store's thread to commit its write, in ms. */
const PING_DEADLINE_MS = 1000;

/** The SQLite file cannot be opened (a missing or read-only folder, a file that is not SQLite). */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/**
 * Bytes to send to the store's thread, and the buffer to transfer with them: a view on part of
 * a larger buffer (a pooled Buffer, a subarray) is copied alone and that copy transferred; a
 * whole buffer is cloned, since the caller still owns it.
 */
function outgoing(bytes: Uint8Array, transfer: ArrayBuffer[]): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = bytes.slice();
  transfer.push(copy.buffer);
  return copy;
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * `STORE_URL=sqlite:<path>`: the SQLite store (./sqlite-store.ts) in a worker thread of its own,
 * so that neither its synchronous calls nor a wait of up to 5 s for another process's lock ever
 * holds the event loop: /healthz, stateless scoring and other sessions' reads go on meanwhile.
 * One thread owns the file; this proxy sends it one message per call and resolves the call with
 * its answer. Loaded chunks are transferred to this thread (not copied); a batch's chunk is
 * copied once, as its caller keeps it.
 *
 * If the thread dies, the calls it had not answered fail (their 503 says why) and the next call
 * starts a new thread. `close` lets the thread answer what it was given (batches waiting for their
 * group commit included) before it stops.
 */
export class SqliteThreadStore implements SessionStore {
  readonly description: string;
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly options: SqliteOptions,
    private readonly now: () => number,
  ) {
    this.description = `sqlite:${path}`;
  }

  /**
   * Starts the store's thread and waits until it has opened (or created) the file.
   *
   * @param now the clock TTLs count on (ms since the epoch); tests inject theirs
   * @throws {StoreOpenError} naming the path and the system's reason when the file cannot be opened
   */
  static async open(path: string, options: SqliteOptions = {}, now: () => number = Date.now): Promise<SqliteThreadStore> {
    const store = new SqliteThreadStore(path, options, now);
    await store.start();
    return store;
  }

  /** A new thread; resolves once it has opened the file. */
  private start(): Promise<void> {
    const worker = new Worker(workerFilename(), { workerData: { path: this.path, options: this.options } satisfies StoreWorkerData });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let opened = false;
      worker.on('message', (reply: StoreReply) => {
        if (reply.kind === 'opened') {
          opened = true;
          resolve();
        } else if (reply.kind === 'open-failed') {
          const error = new StoreOpenError(`cannot open ${this.path}: ${reply.message}`);
          this.stopped(worker, error);
          reject(error);
        } else {
          const waiting = this.waiting.get(reply.id);
          this.waiting.delete(reply.id);
          if (reply.ok) waiting?.resolve(reply.value);
          else waiting?.reject(new Error(reply.message));
        }
      });
      worker.on('error', (error) => {
        const failure = new Error(`the SQLite store's thread failed: ${error.message}`);
        this.stopped(worker, failure);
        if (!opened) reject(failure);
      });
      worker.on('exit', (code) => {
        const failure = new Error(`the SQLite store's thread stopped (exit code ${code}); the next call starts another`);
        this.stopped(worker, failure);
        if (!opened) reject(failure);
      });
    });
  }

  /** The thread is gone: what it had not answered fails, and the next call starts another. */
  private stopped(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }

  private call<T>(method: StoreRequest['method'], args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the SQLite store is closed'));
    const request: StoreRequest = { id: this.nextId++, method, args, now: this.now() };
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.worker === null) {
        // A new thread; the request waits in its port until the thread listens.
        this.start().catch(() => {
          // Its failure has rejected every waiting call, this one included.
        });
      }
      this.worker!.postMessage(request, transfer);
    });
  }

  create(record: SessionRecord): Promise<void> {
    return this.call('create', [record]);
  }

  describe(id: string, owner: string | null): Promise<SessionRecord | null> {
    return this.call('describe', [id, owner]);
  }

  load(id: string, owner: string | null): Promise<{ record: SessionRecord; state: StoredState } | null> {
    return this.call('load', [id, owner]);
  }

  apply(id: string, change: BatchChange): Promise<ApplyResult> {
    const transfer: ArrayBuffer[] = [];
    const sent: BatchChange = { ...change, counts: outgoing(change.counts, transfer), chunk: change.chunk && outgoing(change.chunk, transfer) };
    return this.call('apply', [id, sent], transfer);
  }

  reset(id: string): Promise<boolean> {
    return this.call('reset', [id]);
  }

  mergeFrom(id: string, from: StoredState[], maxRows: number): Promise<{ kind: 'merged'; rows: number; batches: number } | { kind: 'not-found' } | { kind: 'too-many-rows'; rows: number }> {
    const transfer: ArrayBuffer[] = [];
    const sent = from.map((s) => ({ ...s, counts: s.counts && outgoing(s.counts, transfer), chunks: s.chunks.map((c) => outgoing(c, transfer)) }));
    return this.call('mergeFrom', [id, sent, maxRows], transfer);
  }

  delete(id: string): Promise<boolean> {
    return this.call('delete', [id]);
  }

  /**
   * A real write committed by the thread (see SqliteStore.ping): fails while the file is locked
   * or full, and after PING_DEADLINE_MS when the thread is still busy with earlier calls (a batch
   * waiting up to 5 s for the lock), so a readiness probe is answered within its own timeout.
   */
  ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the store's thread did not answer within ${PING_DEADLINE_MS} ms: earlier calls are waiting for ${this.path}'s lock or the disk`)), PING_DEADLINE_MS);
      timer.unref();
    });
    return Promise.race([this.call<void>('ping', []), deadline]).finally(() => clearTimeout(timer));
  }

  /** Runs the periodic sweep now (expired sessions removed, free pages given back); for tests and tools. */
  sweep(): Promise<{ removed: number; pagesFreed: number }> {
    return this.call('sweep', []);
  }

  /** Answers every call made so far (pending group commits committed), then stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker === null) {
      this.closed = true;
      return;
    }
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    try {
      await this.call('close', []);
    } finally {
      this.closed = true;
    }
    await exited;
  }
}
