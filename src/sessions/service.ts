import { randomBytes } from 'node:crypto';
import { statesSize } from '../metrics/evaluate.js';
import { checkStateBytes } from '../batch/limits.js';
import { ProblemError, conflict, idempotencyKeyReused, invalidField, sessionNotFound, storeUnavailable } from '../errors.js';
import { metricConfigOf, sessionConfigOf, sessionMaxRows, sessionPlan, tooManyRows, type PreparedBatch, type SessionConfig } from './session.js';
import type { SessionRecord, SessionStore, StoredState } from './store.js';
import type { SessionCreateRequest } from '../schemas/sessions.js';

/** The limits a session service applies (from the environment). */
export interface SessionLimits {
  maxRows: number;
  maxScores: number;
  /** SESSION_MAX_STATE_BYTES. */
  maxStateBytes: number;
  ttlSeconds: number;
}

/** A session as the routes see it: its record and parsed configuration. */
export interface Session {
  record: SessionRecord;
  config: SessionConfig;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The session operations the routes call, over any store: ownership (another token's session
 * is a 404), configuration checks, idempotent batches, and the 404 / 409 / 413 / 422 answers.
 * The math lives in ./session.ts; the bytes in the store.
 */
export class SessionService {
  readonly store: SessionStore;

  constructor(
    store: SessionStore,
    private readonly limits: SessionLimits,
  ) {
    this.store = guarded(store);
  }

  async create(body: SessionCreateRequest, owner: string | null): Promise<Session> {
    const config = sessionConfigOf(body, this.limits.maxStateBytes);
    const record: SessionRecord = {
      id: randomBytes(16).toString('hex'),
      owner,
      config: JSON.stringify(config),
      ttlSeconds: body.ttl_seconds ?? this.limits.ttlSeconds,
      createdAt: Date.now(),
    };
    await this.store.create(record);
    return { record, config };
  }

  /**
   * A session's record and configuration, which never change once created, kept in memory so a
   * batch costs one store operation (its apply, which still finds an expired or deleted session
   * gone); the last 10,000 used.
   */
  private readonly records = new Map<string, Session>();

  private async cached(id: string, owner: string | null): Promise<Session> {
    const known = this.records.get(id);
    if (known && known.record.owner === owner) return known;
    const session = await this.get(id, owner);
    if (this.records.size >= 10_000) this.records.delete(this.records.keys().next().value as string);
    this.records.set(id, session);
    return session;
  }

  /** The session, or 404 (unknown, expired, or another token's). */
  async get(id: string, owner: string | null): Promise<Session> {
    return this.owned(await this.store.describe(id, owner), owner, id);
  }

  private owned(record: SessionRecord | null, owner: string | null, id: string, path?: string): Session {
    if (record === null || record.owner !== owner) {
      const message = `no session ${id}: unknown, expired, deleted, or created with another token`;
      throw path ? conflictOrMissing(path, message) : sessionNotFound(message);
    }
    return { record, config: JSON.parse(record.config) as SessionConfig };
  }

  /**
   * Folds one batch into the session: `prepare` formats and counts it with the session's
   * configuration (inline or in a worker; a bad batch is a 400 and changes nothing), and the
   * store applies it atomically, once per Idempotency-Key.
   *
   * @returns the answer as JSON text (the first answer again for a retried key)
   */
  async addBatch(id: string, owner: string | null, prepare: (config: SessionConfig) => Promise<PreparedBatch & { fingerprint: string }>, idempotencyKey: string | undefined): Promise<string> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw invalidField('Idempotency-Key', 'must be 1 to 255 printable ASCII characters (a UUID, say)');
    }
    const { config } = await this.cached(id, owner);
    const maxRows = sessionMaxRows(config, this.limits);
    const prepared = await prepare(config);
    const result = await this.store.apply(id, {
      idempotencyKey: idempotencyKey ?? null,
      fingerprint: prepared.fingerprint,
      counts: prepared.counts,
      chunk: prepared.chunk,
      rows: prepared.rows,
      maxRows,
      answerFields: JSON.stringify(prepared.answer),
    });
    switch (result.kind) {
      case 'applied':
      case 'replayed':
        return result.answer;
      case 'key-reused':
        throw idempotencyKeyReused(`Idempotency-Key ${idempotencyKey} was used for another batch of this session; use a new key for a new batch`);
      case 'not-found':
        this.records.delete(id);
        throw sessionNotFound(`no session ${id}: it expired or was deleted meanwhile`);
      case 'too-many-rows':
        throw tooManyRows(result.rows, prepared.rows, maxRows, { ...this.limits, classes: metricConfigOf(config).classes });
    }
  }

  /** The stored state, or 404. */
  async load(id: string, owner: string | null): Promise<Session & { state: StoredState }> {
    const loaded = await this.store.load(id, owner);
    const session = this.owned(loaded?.record ?? null, owner, id);
    return { ...session, state: (loaded as { state: StoredState }).state };
  }

  /**
   * The session's stored rows for `what` (its curves, thresholds, calibration); 409 naming what
   * to add when it keeps none.
   */
  async rows(id: string, owner: string | null, what = 'curves'): Promise<Session & { state: StoredState }> {
    const loaded = await this.load(id, owner);
    if (!sessionPlan(loaded.config).keepsRows) {
      throw conflict(`this session keeps no rows to compute its ${what} over: create it with "keep_rows": true (or with an exact ranking metric such as auroc or average_precision without thresholds)`, [
        { path: 'keep_rows', message: 'create the session with "keep_rows": true' },
      ]);
    }
    return loaded;
  }

  async reset(id: string, owner: string | null): Promise<void> {
    await this.get(id, owner);
    if (!(await this.store.reset(id))) throw sessionNotFound(`no session ${id}`);
  }

  async merge(id: string, owner: string | null, from: string[]): Promise<{ rows: number; batches: number }> {
    const target = await this.get(id, owner);
    // Every source's state is loaded and added: priced as their sum before any is read.
    const { bytes } = statesSize(sessionPlan(target.config).metrics);
    checkStateBytes('from', (from.length + 1) * bytes, `merging ${from.length + 1} sessions of ${bytes.toLocaleString('en')} bytes of state each`);
    const states: StoredState[] = [];
    for (const [i, other] of from.entries()) {
      if (other === id) throw invalidField(`from/${i}`, 'a session cannot be merged into itself');
      if (from.indexOf(other) !== i) throw invalidField(`from/${i}`, `${other} is listed twice`);
      const loaded = await this.store.load(other, owner);
      const source = this.owned(loaded?.record ?? null, owner, other, `from/${i}`);
      if (source.record.config !== target.record.config) {
        throw conflict(`from/${i}: session ${other} has another configuration (task, classes, input, num_groups, loss or metrics); only sessions created alike merge`, [
          { path: `from/${i}`, message: 'another configuration' },
        ]);
      }
      states.push((loaded as { state: StoredState }).state);
    }
    const maxRows = sessionMaxRows(target.config, this.limits);
    const result = await this.store.mergeFrom(id, states, maxRows);
    if (result.kind === 'not-found') throw sessionNotFound(`no session ${id}`);
    if (result.kind === 'too-many-rows') throw tooManyRows(result.rows, states.reduce((n, s) => n + s.rows, 0), maxRows, { ...this.limits, classes: metricConfigOf(target.config).classes });
    return { rows: result.rows, batches: result.batches };
  }

  async delete(id: string, owner: string | null): Promise<void> {
    await this.get(id, owner);
    this.records.delete(id);
    if (!(await this.store.delete(id))) throw sessionNotFound(`no session ${id}`);
  }
}

/** A missing session named inside a request body (`from/2`) is a 404 naming that field. */
function conflictOrMissing(path: string, message: string) {
  return sessionNotFound(message, [{ path, message }]);
}

export const expiresAt = (record: SessionRecord): string => new Date(Date.now() + record.ttlSeconds * 1000).toISOString();

/**
 * The store with its failures (Redis unreachable, SQLite busy past its timeout) answered as 503
 * with Retry-After, the answer a client retries on another replica, never as a 500.
 */
function guarded(store: SessionStore): SessionStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || name === 'close') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (error instanceof ProblemError) throw error;
          throw storeUnavailable(`the session store (${target.description}) failed: ${(error as Error).message}`, undefined, { 'Retry-After': '1' });
        }
      };
    },
  });
}
