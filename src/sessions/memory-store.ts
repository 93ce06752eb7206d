import { addCounts, batchAnswer, combineStates, type ApplyResult, type BatchChange, type SessionRecord, type SessionStore, type StoredState } from './store.js';

interface Entry {
  record: SessionRecord;
  state: StoredState;
  idempotency: Map<string, { fingerprint: string; answer: string }>;
  expiresAt: number;
}

const emptyState = (): StoredState => ({ counts: null, chunks: [], rows: 0, batches: 0 });

/**
 * `STORE_URL=memory:`: sessions in this process's memory, gone on restart; for tests and
 * throwaway use. Single-threaded JavaScript makes each operation atomic.
 */
export class MemoryStore implements SessionStore {
  readonly description = 'memory';
  private readonly sessions = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The live entry, or null; its TTL restarts unless `owner` is given and is not the record's. */
  private live(id: string, owner?: string | null): Entry | null {
    const entry = this.sessions.get(id);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    if (owner === undefined || owner === entry.record.owner) entry.expiresAt = this.now() + entry.record.ttlSeconds * 1000;
    return entry;
  }

  async create(record: SessionRecord): Promise<void> {
    this.sessions.set(record.id, { record, state: emptyState(), idempotency: new Map(), expiresAt: this.now() + record.ttlSeconds * 1000 });
  }

  async describe(id: string, owner: string | null): Promise<SessionRecord | null> {
    return this.live(id, owner)?.record ?? null;
  }

  async load(id: string, owner: string | null) {
    const entry = this.live(id, owner);
    // Copies, as the other stores' loads are: a caller may hand them to a worker (transferred).
    return entry ? { record: entry.record, state: { ...entry.state, chunks: entry.state.chunks.map((c) => c.slice()) } } : null;
  }

  async apply(id: string, change: BatchChange): Promise<ApplyResult> {
    const entry = this.live(id);
    if (!entry) return { kind: 'not-found' };
    if (change.idempotencyKey !== null) {
      const seen = entry.idempotency.get(change.idempotencyKey);
      if (seen) return seen.fingerprint === change.fingerprint ? { kind: 'replayed', answer: seen.answer } : { kind: 'key-reused' };
    }
    const { state } = entry;
    if (change.chunk && state.rows + change.rows > change.maxRows) return { kind: 'too-many-rows', rows: state.rows };
    state.counts = addCounts(state.counts, change.counts);
    if (change.chunk) state.chunks.push(change.chunk);
    state.rows += change.rows;
    state.batches += 1;
    const answer = batchAnswer({ rows: state.rows, batches: state.batches }, change.answerFields);
    if (change.idempotencyKey !== null) entry.idempotency.set(change.idempotencyKey, { fingerprint: change.fingerprint, answer });
    return { kind: 'applied', answer };
  }

  async reset(id: string): Promise<boolean> {
    const entry = this.live(id);
    if (!entry) return false;
    entry.state = emptyState();
    // A new epoch: a key of the last one names no batch of this one.
    entry.idempotency.clear();
    return true;
  }

  async mergeFrom(id: string, from: StoredState[], maxRows: number) {
    const entry = this.live(id);
    if (!entry) return { kind: 'not-found' } as const;
    const incoming = combineStates(from);
    if (incoming.chunks.length > 0 && entry.state.rows + incoming.rows > maxRows) return { kind: 'too-many-rows', rows: entry.state.rows } as const;
    const merged = combineStates([entry.state, incoming]);
    entry.state = merged;
    return { kind: 'merged', rows: merged.rows, batches: merged.batches } as const;
  }

  async delete(id: string): Promise<boolean> {
    return this.live(id) !== null && this.sessions.delete(id);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.sessions.clear();
  }
}
