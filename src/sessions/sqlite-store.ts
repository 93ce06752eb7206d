import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { addCounts, batchAnswer, combineStates, type ApplyResult, type BatchChange, type SessionRecord, type SessionStore, type StoredState } from './store.js';

/** How an embedded store is opened beyond its path. */
export interface SqliteOptions {
  /** Caps the file (bytes, 0 = only the disk): a write that would grow it further fails as on a full disk. */
  maxBytes?: number;
}

/**
 * Creates `folder` and its missing parents, one level at a time: Node's `mkdirSync(…, {
 * recursive: true })` never returns for a folder under /proc (ENOENT read as "parent missing",
 * forever). Then checks that the folder is one and can be written (SQLite's own "unable to open
 * database file" says neither).
 *
 * @throws the system's error (ENOENT, EACCES, ENOTDIR, EROFS) naming the level it failed at
 */
function makeFolder(folder: string): void {
  const missing: string[] = [];
  for (let level = folder; !existsSync(level) && dirname(level) !== level; level = dirname(level)) missing.unshift(level);
  for (const level of missing) mkdirSync(level);
  if (!statSync(folder).isDirectory()) throw new Error(`ENOTDIR: not a directory, ${folder}`);
  accessSync(folder, constants.W_OK);
}

/** How long a write waits for another connection's lock before it fails (busy_timeout), in ms. */
export const BUSY_TIMEOUT_MS = 5000;
/** How long a readiness write waits for the lock, in ms: /readyz answers well within a probe's timeout. */
const PING_BUSY_TIMEOUT_MS = 200;

/**
 * The embedded default store: one SQLite file (Node's built-in `node:sqlite`, SQLite 3.5x), in
 * write-ahead-log mode. Each operation is one transaction (`BEGIN IMMEDIATE`), so a batch
 * answered 200 has been committed to the log before the answer leaves: `kill -9` of the service
 * loses none (`synchronous=NORMAL` syncs at checkpoints; a lost machine, not a lost process,
 * could lose the last commits). Several processes may share the file: SQLite's lock serializes
 * writers, and `busy_timeout` makes them wait rather than fail.
 *
 * Tables: `sessions` (record, running totals, count states), `session_chunks` (rows chunks,
 * appended, in rowid order),
 * `idempotency` (the answer of each keyed batch). Expired sessions are removed when touched and
 * by a sweep every minute.
 *
 * Reads go through a memory map of the file's first GiB (`mmap_size`): loading a session of
 * 10^7 exact rows (92 MB of chunks) took 70-120 ms through read calls and takes 20-60 ms mapped.
 *
 * This class is synchronous underneath (`DatabaseSync`): every call, and every wait for another
 * process's lock (up to BUSY_TIMEOUT_MS), holds the thread it runs on. The service therefore runs
 * it in a thread of its own (./sqlite-thread-store.ts); used directly it is for tests and tools.
 *
 * Deleted sessions give their pages back: new files are `auto_vacuum = INCREMENTAL`, and the
 * sweep returns the free pages to the file system.
 */
export class SqliteStore implements SessionStore {
  readonly description: string;
  private readonly db: DatabaseSync;
  private readonly statements: Record<string, StatementSync>;
  private readonly sweeper: NodeJS.Timeout;
  /** The busy timeout in force, in ms. */
  private busyMs = BUSY_TIMEOUT_MS;

  /**
   * Opens (creating it and its folder when missing) the file at `path`.
   *
   * @param now the clock (ms since the epoch) TTLs are counted on; tests inject their own
   * @throws the file system's or SQLite's error when the file cannot be opened or written
   */
  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
    options: SqliteOptions = {},
  ) {
    this.description = `sqlite:${path}`;
    if (path !== ':memory:') makeFolder(dirname(path));
    this.db = new DatabaseSync(path);
    // auto_vacuum only takes effect on a file without tables yet: a file created before this
    // setting keeps its mode (NONE) and its size, until someone runs VACUUM on it once.
    this.db.exec(`
      PRAGMA auto_vacuum = INCREMENTAL;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};
      PRAGMA cache_size = -65536;
      PRAGMA mmap_size = 1073741824;
      PRAGMA wal_autocheckpoint = 4000;
      PRAGMA foreign_keys = ON;
      CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, owner TEXT, config TEXT NOT NULL, ttl_seconds INTEGER NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0, batches INTEGER NOT NULL DEFAULT 0, counts BLOB);
      CREATE TABLE IF NOT EXISTS session_chunks (
        seq INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, bytes BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS session_chunks_by_session ON session_chunks (session_id, seq);
      CREATE TABLE IF NOT EXISTS idempotency (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, key TEXT NOT NULL,
        fingerprint TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (session_id, key));
      CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
      CREATE TABLE IF NOT EXISTS health (at INTEGER NOT NULL, room BLOB);
    `);
    if (options.maxBytes) {
      const pageSize = (this.db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
      this.db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
    }
    const sql = (text: string) => this.db.prepare(text);
    this.statements = {
      insert: sql('INSERT INTO sessions (id, owner, config, ttl_seconds, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      select: sql('SELECT id, owner, config, ttl_seconds, created_at, expires_at, rows, batches, counts FROM sessions WHERE id = ?'),
      touch: sql('UPDATE sessions SET expires_at = ? WHERE id = ?'),
      // Chunks are ordered by their rowid: the order they were committed in.
      chunks: sql('SELECT bytes FROM session_chunks WHERE session_id = ? ORDER BY seq'),
      addChunk: sql('INSERT INTO session_chunks (session_id, bytes) VALUES (?, ?)'),
      setState: sql('UPDATE sessions SET counts = ?, rows = ?, batches = ?, expires_at = ? WHERE id = ?'),
      seen: sql('SELECT fingerprint, answer FROM idempotency WHERE session_id = ? AND key = ?'),
      remember: sql('INSERT INTO idempotency (session_id, key, fingerprint, answer) VALUES (?, ?, ?, ?)'),
      clearChunks: sql('DELETE FROM session_chunks WHERE session_id = ?'),
      clearKeys: sql('DELETE FROM idempotency WHERE session_id = ?'),
      delete: sql('DELETE FROM sessions WHERE id = ?'),
      sweep: sql('DELETE FROM sessions WHERE expires_at <= ?'),
      pageSize: sql('PRAGMA page_size'),
      healthWrite: sql('INSERT INTO health (at, room) VALUES (?, zeroblob(?))'),
      healthClear: sql('DELETE FROM health'),
    };
    this.sweeper = setInterval(() => {
      try {
        this.sweep();
      } catch {
        // Busy (another process writes): the next sweep, or the next touch, removes them.
      }
    }, 60_000).unref();
  }

  /**
   * Runs `work` in one write transaction. A failed statement's error is the one thrown: when
   * SQLite has already rolled the transaction back (SQLITE_FULL, SQLITE_IOERR do), the ROLLBACK
   * is skipped rather than allowed to replace "database or disk is full" with "no transaction".
   */
  private transaction<T>(work: () => T): T {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw this.named(error);
    }
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // The statement's own error says more than the rollback's.
        }
      }
      throw this.named(error);
    }
  }

  /** SQLITE_BUSY past the busy timeout, said as what it is: another connection holds the lock. */
  private named(error: unknown): unknown {
    if ((error as { errcode?: number }).errcode !== 5) return error;
    return new Error(`${this.path} is locked by another connection (waited for it ${this.busyMs} ms): ${(error as Error).message}`);
  }

  /**
   * Removes expired sessions and gives the free pages back to the file system (incremental
   * vacuum; a file created before auto_vacuum keeps its size). Runs every minute.
   *
   * @returns the sessions removed and the pages given back
   */
  sweep(): { removed: number; pagesFreed: number } {
    const removed = Number(this.statements.sweep.run(this.now()).changes);
    const before = (this.db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
    this.db.exec('PRAGMA incremental_vacuum');
    const after = (this.db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
    return { removed, pagesFreed: before - after };
  }

  /**
   * The live row of a session, or null; inside a transaction. Its TTL restarts here unless the
   * caller writes the row anyway (`touch` false: its update sets the expiry), or names an owner
   * that is not the record's (another token's read keeps nobody's session alive).
   */
  private live(id: string, touch: boolean | { owner: string | null } = true, now = this.now()): (SessionRecord & { rows: number; batches: number; counts: Uint8Array | null }) | null {
    const row = this.statements.select.get(id) as
      | { id: string; owner: string | null; config: string; ttl_seconds: number; created_at: number; expires_at: number; rows: number; batches: number; counts: Uint8Array | null }
      | undefined;
    if (!row) return null;
    if (row.expires_at <= now) {
      this.statements.delete.run(id);
      return null;
    }
    if (touch === true || (touch !== false && touch.owner === row.owner)) this.statements.touch.run(now + row.ttl_seconds * 1000, id);
    return { id: row.id, owner: row.owner, config: row.config, ttlSeconds: row.ttl_seconds, createdAt: row.created_at, rows: row.rows, batches: row.batches, counts: row.counts };
  }

  async create(record: SessionRecord): Promise<void> {
    this.transaction(() => this.statements.insert.run(record.id, record.owner, record.config, record.ttlSeconds, record.createdAt, this.now() + record.ttlSeconds * 1000));
  }

  async describe(id: string, owner: string | null): Promise<SessionRecord | null> {
    return this.transaction(() => {
      const row = this.live(id, { owner });
      return row && { id: row.id, owner: row.owner, config: row.config, ttlSeconds: row.ttlSeconds, createdAt: row.createdAt };
    });
  }

  async load(id: string, owner: string | null) {
    return this.transaction(() => {
      const row = this.live(id, { owner });
      if (!row) return null;
      const chunks = (this.statements.chunks.all(id) as Array<{ bytes: Uint8Array }>).map((c) => c.bytes);
      const { rows, batches, counts, ...record } = row;
      return { record, state: { counts, chunks, rows, batches } };
    });
  }

  /**
   * Folds a batch in. Batches that arrive in the same turn of the event loop commit together
   * (group commit): one transaction, each batch in a savepoint of its own, every answer sent only
   * after the commit. A commit costs about 150 µs whatever it holds, so 32 concurrent clients
   * share it instead of queueing behind it; nothing is answered before it is durable. Each
   * batch's clock is read when it arrives.
   */
  apply(id: string, change: BatchChange): Promise<ApplyResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, change, at: this.now(), resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private readonly pending: Array<{ id: string; change: BatchChange; at: number; resolve: (result: ApplyResult) => void; reject: (error: unknown) => void }> = [];

  private commitPending(): void {
    const group = this.pending.splice(0);
    const outcomes: Array<{ ok: true; result: ApplyResult } | { ok: false; error: unknown }> = [];
    try {
      this.transaction(() => {
        for (const { id, change, at } of group) {
          this.db.exec('SAVEPOINT batch');
          try {
            outcomes.push({ ok: true, result: this.applyOne(id, change, at) });
            this.db.exec('RELEASE batch');
          } catch (error) {
            // SQLite rolled the whole transaction back (a full disk): the group fails with this error.
            if (!this.db.isTransaction) throw error;
            this.db.exec('ROLLBACK TO batch');
            this.db.exec('RELEASE batch');
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) resolve(outcome.result);
      else reject(outcome.error);
    });
  }

  private applyOne(id: string, change: BatchChange, now: number): ApplyResult {
    const row = this.live(id, false, now);
    if (!row) return { kind: 'not-found' };
    if (change.idempotencyKey !== null) {
      const seen = this.statements.seen.get(id, change.idempotencyKey) as { fingerprint: string; answer: string } | undefined;
      if (seen) return seen.fingerprint === change.fingerprint ? { kind: 'replayed', answer: seen.answer } : { kind: 'key-reused' };
    }
    if (change.chunk && row.rows + change.rows > change.maxRows) return { kind: 'too-many-rows', rows: row.rows };
    const rows = row.rows + change.rows;
    const batches = row.batches + 1;
    if (change.chunk) this.statements.addChunk.run(id, change.chunk);
    this.statements.setState.run(addCounts(row.counts, change.counts), rows, batches, now + row.ttlSeconds * 1000, id);
    const answer = batchAnswer({ rows, batches }, change.answerFields);
    if (change.idempotencyKey !== null) this.statements.remember.run(id, change.idempotencyKey, change.fingerprint, answer);
    return { kind: 'applied', answer };
  }

  async reset(id: string): Promise<boolean> {
    return this.transaction(() => {
      const row = this.live(id);
      if (!row) return false;
      this.statements.clearChunks.run(id);
      // A new epoch: a key of the last one names no batch of this one.
      this.statements.clearKeys.run(id);
      this.statements.setState.run(null, 0, 0, this.now() + row.ttlSeconds * 1000, id);
      return true;
    });
  }

  async mergeFrom(id: string, from: StoredState[], maxRows: number) {
    return this.transaction(() => {
      const row = this.live(id);
      if (!row) return { kind: 'not-found' } as const;
      const incoming = combineStates(from);
      if (incoming.chunks.length > 0 && row.rows + incoming.rows > maxRows) return { kind: 'too-many-rows', rows: row.rows } as const;
      for (const chunk of incoming.chunks) this.statements.addChunk.run(id, chunk);
      const rows = row.rows + incoming.rows;
      const batches = row.batches + incoming.batches;
      this.statements.setState.run(addCounts(row.counts, incoming.counts), rows, batches, this.now() + row.ttlSeconds * 1000, id);
      return { kind: 'merged', rows, batches } as const;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.transaction(() => this.live(id) !== null && this.statements.delete.run(id).changes > 0);
  }

  /**
   * Commits a real write, waiting at most PING_BUSY_TIMEOUT_MS for the lock: a row as large as a
   * page (so the file must have room for one more page), removed in the same transaction.
   *
   * @throws the lock or "database or disk is full", as a batch would meet them
   */
  async ping(): Promise<void> {
    this.db.exec(`PRAGMA busy_timeout = ${(this.busyMs = PING_BUSY_TIMEOUT_MS)}`);
    try {
      const pageSize = (this.statements.pageSize.get() as { page_size: number }).page_size;
      this.transaction(() => {
        this.statements.healthWrite.run(this.now(), pageSize);
        this.statements.healthClear.run();
      });
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${(this.busyMs = BUSY_TIMEOUT_MS)}`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    // Batches waiting for their group's commit commit now: none accepted is lost at shutdown.
    if (this.pending.length > 0) this.commitPending();
    this.db.close();
  }
}
