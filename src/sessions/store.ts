import { decodeCounts, encodeCounts } from './codec.js';

/**
 * Where sessions live: one interface, three stores chosen by STORE_URL (`openStore`): the
 * embedded SQLite file (default), `memory:`, and Redis / Valkey shared by replicas. A store
 * keeps bytes (see ./codec.ts) and never needs to know a metric: count states merge by adding,
 * rows chunks by appending, so every operation below is generic.
 *
 * Every operation on one session is atomic: a batch is applied whole (its counts, its chunk, the
 * running totals and its idempotency record) or not at all, and concurrent batches to one session
 * (from any number of replicas) are all applied, each once.
 */
export interface SessionRecord {
  id: string;
  /** Digest of the bearer token that created it (null without API_TOKENS): others get 404. */
  owner: string | null;
  /** The session's configuration, as JSON (the creation body, with defaults). */
  config: string;
  /** Inactivity time to live, in seconds: every operation on the session restarts it. */
  ttlSeconds: number;
  createdAt: number;
}

/** A session's accumulated state, as stored. */
export interface StoredState {
  /** Encoded count states (null before the first batch). */
  counts: Uint8Array | null;
  /** Encoded rows chunks, in the order they were applied. */
  chunks: Uint8Array[];
  rows: number;
  batches: number;
}

/** One batch to fold into a session. */
export interface BatchChange {
  /** The client's Idempotency-Key, or null. */
  idempotencyKey: string | null;
  /** A digest of the request (body and media type): the same key with another body is refused. */
  fingerprint: string;
  /** The batch's own count states, encoded. */
  counts: Uint8Array;
  /** The batch's rows chunk (sessions with exact ranking metrics), or null. */
  chunk: Uint8Array | null;
  rows: number;
  /** SESSION_MAX_ROWS for sessions that keep rows. */
  maxRows: number;
  /**
   * The batch's own answer fields as a JSON object's text (`{"input":…}`, or `{}`): the store
   * puts the running totals in front of them once applied (see {@link batchAnswer}) and keeps
   * the result for a retry. Text, not a function, so a change can cross to a store's thread.
   */
  answerFields: string;
}

/**
 * The answer to a batch: `{"rows":…,"batches":…}` followed by the batch's own fields, the bytes
 * `JSON.stringify({ rows, batches, ...fields })` writes when `fields` has neither key.
 *
 * @param totals the session's running totals once the batch is applied (integers)
 * @param fields a JSON object's text, as {@link BatchChange.answerFields}
 */
export function batchAnswer(totals: { rows: number; batches: number }, fields: string): string {
  const head = `{"rows":${totals.rows},"batches":${totals.batches}`;
  return fields === '{}' ? `${head}}` : `${head},${fields.slice(1)}`;
}

export type ApplyResult =
  | { kind: 'applied'; answer: string }
  | { kind: 'replayed'; answer: string }
  | { kind: 'key-reused' }
  | { kind: 'not-found' }
  | { kind: 'too-many-rows'; rows: number };

export interface SessionStore {
  /** What STORE_URL named, for logs and /readyz (no credentials). */
  readonly description: string;
  create(record: SessionRecord): Promise<void>;
  /**
   * The record, or null when unknown or expired. Its TTL restarts only when `owner` is the
   * record's owner: another token's read (answered 404 by the service) keeps nobody's session alive.
   */
  describe(id: string, owner: string | null): Promise<SessionRecord | null>;
  /** The record and its state, or null; restarts its TTL only for its owner, as {@link describe}. */
  load(id: string, owner: string | null): Promise<{ record: SessionRecord; state: StoredState } | null>;
  /** Folds one batch in, atomically, once per Idempotency-Key. */
  apply(id: string, change: BatchChange): Promise<ApplyResult>;
  /** Empties the state (a new epoch); false when the session is unknown. */
  reset(id: string): Promise<boolean>;
  /**
   * Folds the states of `from` into `id` (they are left as they were), atomically with respect to
   * batches posted to `id` meanwhile; false when `id` is unknown.
   */
  mergeFrom(id: string, from: StoredState[], maxRows: number): Promise<{ kind: 'merged'; rows: number; batches: number } | { kind: 'not-found' } | { kind: 'too-many-rows'; rows: number }>;
  delete(id: string): Promise<boolean>;
  /**
   * Resolves once the store has shown it can take a batch, for /readyz; rejects with the reason
   * (file locked, disk full, server unreachable or out of memory) when it cannot. SQLite commits a
   * real write in a table of its own, with a short wait for the lock; Redis a small SET; memory
   * always can.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Two encoded count states added key by key (a key only one side has is kept as it is). */
export function addCounts(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null) return b;
  if (b === null) return a;
  const sum = decodeCounts(a);
  for (const [key, values] of decodeCounts(b)) {
    const mine = sum.get(key);
    if (!mine) sum.set(key, values);
    else for (let i = 0; i < mine.length; i++) mine[i] += values[i];
  }
  return encodeCounts(sum);
}

/** The states of several sessions as one (counts added, chunks appended). */
export function combineStates(states: readonly StoredState[]): StoredState {
  let counts: Uint8Array | null = null;
  const chunks: Uint8Array[] = [];
  let rows = 0;
  let batches = 0;
  for (const s of states) {
    counts = addCounts(counts, s.counts);
    chunks.push(...s.chunks);
    rows += s.rows;
    batches += s.batches;
  }
  return { counts, chunks, rows, batches };
}
