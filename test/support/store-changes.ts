import { randomBytes } from 'node:crypto';
import { encodeCounts } from '../../src/sessions/codec.js';
import type { BatchChange, SessionRecord } from '../../src/sessions/store.js';

/** A session record for a store, with a fresh 128-bit id. */
export function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return { id: randomBytes(16).toString('hex'), owner: 'owner-digest', config: JSON.stringify({ task: 'binary', metrics: ['auroc'] }), ttlSeconds: 3600, createdAt: 1_700_000_000_123, ...overrides };
}

/** Count states as a store keeps them, from plain arrays. */
export const counts = (values: Record<string, number[]>) => encodeCounts(new Map(Object.entries(values).map(([k, v]) => [k, Float64Array.from(v)])));

export interface BatchOptions {
  key?: string | null;
  fingerprint?: string;
  values?: Record<string, number[]>;
  chunk?: string | Uint8Array | null;
  rows?: number;
  maxRows?: number;
}

/** A batch change whose answer is the running totals it was given (and its key), as JSON. */
export function batch(options: BatchOptions = {}): BatchChange {
  const key = options.key ?? null;
  const chunk = options.chunk === undefined ? 'rows' : options.chunk;
  return {
    idempotencyKey: key,
    fingerprint: options.fingerprint ?? `fp-${key}`,
    counts: counts(options.values ?? { tp: [1, 2], fp: [3] }),
    chunk: typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk,
    rows: options.rows ?? 4,
    maxRows: options.maxRows ?? 1_000_000,
    answerFields: JSON.stringify({ key }),
  };
}
