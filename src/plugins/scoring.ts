import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Piscina } from 'piscina';
import { limitsOf, type Config } from '../config.js';
import { configureLimits, unlessTooCostly } from '../batch/limits.js';
import { rawInputOf } from './body-parsers.js';
import { ProblemError, type Problem, clientClosed, invalidField, notAcceptable, overloaded, payloadTooLarge, shuttingDown, timedOut, unsupportedMediaType } from '../errors.js';
import { ARROW_STREAM } from '../wire/arrow.js';
import { RawBody, ownBuffer } from '../wire/json-body.js';
import { MEDIA_TYPES, scoringTasks, type OutputFormat, type ScoringInput, type ScoringTaskName } from '../endpoints/tasks.js';
import type { PoolTask, WorkerReply } from '../workers/scoring-worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    scoring: Scoring;
  }
  interface FastifyRequest {
    /** The outer sizes of the batch's `preds`, once decoded (inline or in a worker), for the request log. */
    batchShape: number[] | undefined;
  }
}

export interface Scoring {
  /**
   * Answers one scoring request: picks the output format from Accept, then computes small
   * batches inline (a worker round trip costs more than the work) and sends raw bodies larger
   * than INLINE_MAX_BYTES to the pool, which decodes, validates, computes and encodes them off
   * the main thread. The one call a scoring route's handler makes.
   */
  respond(request: FastifyRequest, reply: FastifyReply, task: ScoringTaskName, options?: { arrowOnly?: boolean }): Promise<FastifyReply>;
  /**
   * Runs a named worker task (see src/workers/scoring-worker.ts) under the same admission
   * control, timeout and cancellation as large batches; its answer's bytes, or its problem thrown.
   */
  offload<T extends object>(name: string, task: unknown, transferList: ArrayBuffer[], reply: FastifyReply, memory?: MemoryPrice): Promise<T>;
  /** True while the queue is full: readiness turns 503 so a balancer sends elsewhere. */
  readonly saturated: boolean;
  /** Resolves once a worker thread answers (after start-up, or after one was replaced). */
  ping(): Promise<void>;
  readonly queueSize: number;
  readonly utilization: number;
  /** Bytes of memory the computations admitted to the pool are priced at (MEMORY_BUDGET_MB bounds it). */
  readonly memoryInFlight: number;
  /** Computations admitted to the worker pool since start (what ran off the event loop). */
  readonly pooled: number;
}

/**
 * What a pooled computation is priced at in memory, and the field a 413 names: its body (about
 * {@link MEMORY_PER_BODY_BYTE} times its bytes) or a session's kept rows (about
 * {@link MEMORY_PER_ROWS_BYTE} times their stored bytes).
 */
export interface MemoryPrice {
  bytes: number;
  field: string;
  what: string;
}

/** Peak resident bytes per JSON body byte while decoded and computed: 9.4-10.5 for ranking, 14 for focal loss with its gradient (load/body-memory.mjs). */
export const MEMORY_PER_BODY_BYTE = 16;
/** Per stored byte of a session's rows (about 9 a binary row): decoded to float64 scores and labels, split per class. */
export const MEMORY_PER_ROWS_BYTE = 8;

/** Builds run the compiled worker; source runs (tests, tsx) load it through tsx. */
function workerFilename(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? '../workers/from-source.mjs' : '../workers/scoring-worker.js', import.meta.url));
}

const isQueueFull = (error: unknown) => error instanceof Error && /queue is at limit/i.test(error.message);
const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError';

/**
 * A signal that aborts when the client closes the connection before its answer is written, so a
 * batch nobody waits for stops taking a worker. (Fastify's `request.signal` follows the request
 * stream, which on Node 20 closes as soon as the body has been read.)
 */
function whileClientWaits(reply: FastifyReply): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClose);
  return { signal: controller.signal, release: () => reply.raw.off('close', onClose) };
}

/**
 * The format a client asked for among those the task offers (JSON when it does not say), and
 * JSON as the fallback when the client takes it too and asked for something else.
 */
function negotiate(request: FastifyRequest, formats: OutputFormat[]): { format: OutputFormat; fallback: OutputFormat | null } {
  const accept = request.headers.accept;
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return { format: 'json', fallback: null };
  const mediaTypes = formats.map((f) => MEDIA_TYPES[f].split(';')[0]);
  const chosen = request.accepts().type(mediaTypes);
  if (chosen === false) throw notAcceptable(`this operation answers ${mediaTypes.join(' or ')}`);
  const format = formats[mediaTypes.indexOf(chosen as string)];
  return { format, fallback: format !== 'json' && request.accepts().type(['application/json']) !== false ? 'json' : null };
}

export default fp(
  async function scoringPlugin(app, opts: { config: Config }) {
    const { config } = opts;
    const pool = new Piscina({
      filename: workerFilename(),
      minThreads: config.WORKERS,
      maxThreads: config.WORKERS,
      maxQueue: config.MAX_QUEUE,
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: { maxOldGenerationSizeMb: config.WORKER_MEMORY_MB },
      workerData: { limits: limitsOf(config, 'worker') },
    });
    configureLimits(limitsOf(config, 'main'));
    await Promise.all(Array.from({ length: config.WORKERS }, () => pool.run(null, { name: 'ping' })));

    // Admission control: WORKERS batches run and MAX_QUEUE wait; the next one is shed at once.
    // (Piscina's own maxQueue does not count a task that waits for a busy worker.)
    const capacity = config.WORKERS + config.MAX_QUEUE;
    let admitted = 0;
    // Memory admission: the priced memory of the computations admitted, against the budget.
    const budget = (config.MEMORY_BUDGET_MB || config.WORKER_MEMORY_MB) * 1024 * 1024;
    let pricedInFlight = 0;
    let pooled = 0;
    const mib = (bytes: number) => `${Math.ceil(bytes / 1048576).toLocaleString('en')} MiB`;
    let onDrained: (() => void) | undefined;
    let closing = false;

    /**
     * Runs one named worker task under admission control (WORKERS running, MAX_QUEUE waiting,
     * the next one shed at once) and REQUEST_TIMEOUT_MS, cancelled when the client leaves.
     */
    async function admittedRun<T>(name: string, task: unknown, transferList: ArrayBuffer[], clientGone: AbortSignal, memory?: MemoryPrice): Promise<T> {
      if (closing) throw shuttingDown('the service is shutting down; retry on another instance', undefined, { 'Retry-After': '1' });
      if (admitted >= capacity) throw overloaded('the work queue is full; retry shortly', undefined, { 'Retry-After': '1' });
      const priced = memory?.bytes ?? 0;
      if (memory && priced > budget) {
        const message = `${memory.what} is priced at ${mib(priced)} of memory to compute; at most ${mib(budget)} (MEMORY_BUDGET_MB): send it in smaller batches`;
        throw payloadTooLarge(`${memory.field}: ${message}`, [{ path: memory.field, message }]);
      }
      if (priced > 0 && pricedInFlight + priced > budget) {
        throw overloaded(`the computations in flight hold ${mib(pricedInFlight)} of the ${mib(budget)} memory budget; this one needs ${mib(priced)}: retry shortly`, undefined, { 'Retry-After': '1' });
      }
      pricedInFlight += priced;
      admitted++;
      pooled++;
      try {
        return (await pool.run(task, { name, transferList, signal: AbortSignal.any([AbortSignal.timeout(config.REQUEST_TIMEOUT_MS), clientGone]) })) as T;
      } catch (error) {
        if (isQueueFull(error)) throw overloaded('the work queue is full; retry shortly', undefined, { 'Retry-After': '1' });
        if (isAbort(error) && clientGone.aborted) throw clientClosed('the client closed the connection; its batch was cancelled');
        if (isAbort(error)) {
          throw timedOut(`the computation exceeded REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS} ms) and was cancelled`, undefined, {
            'Retry-After': '1',
          });
        }
        throw error;
      } finally {
        admitted--;
        pricedInFlight -= priced;
        if (admitted === 0) onDrained?.();
      }
    }

    async function runInPool(task: PoolTask, clientGone: AbortSignal): Promise<{ bytes: Buffer; format: OutputFormat; shape: number[] | undefined }> {
      const size = task.input.bytes.byteLength;
      const memory = { bytes: size * MEMORY_PER_BODY_BYTE, field: 'body', what: `a body of ${mib(size)}` };
      const reply = await admittedRun<WorkerReply>('score', task, [task.input.bytes.buffer as ArrayBuffer], clientGone, memory);
      if ('bytes' in reply) return { bytes: Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength), format: reply.format, shape: reply.shape };
      throw ProblemError.from(reply);
    }

    const scoring: Scoring = {
      async respond(request, reply, name, { arrowOnly = false } = {}) {
        const task = scoringTasks[name];
        const { format, fallback } = negotiate(request, task.formats);
        const body = request.body;
        let input: ScoringInput;
        if (arrowOnly && !(body instanceof RawBody && body.format === 'arrow')) {
          throw unsupportedMediaType(`this operation takes ${ARROW_STREAM} bodies; send JSON to ${request.routeOptions.url?.replace('/arrow', '')}`);
        }
        if (body instanceof RawBody) {
          if (body.format === 'arrow' && !task.arrowInput) throw unsupportedMediaType('this operation takes application/json bodies only');
          input = body.format === 'arrow' ? { kind: 'arrow', bytes: body.bytes, query: request.query as Record<string, unknown> } : { kind: 'json', bytes: body.bytes };
        } else input = { kind: 'validated', body };
        if (input.kind !== 'arrow') {
          const stray = Object.keys((request.query ?? {}) as object)[0];
          if (stray !== undefined) throw invalidField(stray, 'options of a JSON request go in the body; the query string is for Arrow requests');
        }

        // Small bodies compute inline unless their priced work is too large for the event loop
        // (NeedsWorker, thrown before anything is computed); large bodies go to the pool to be decoded too.
        const outcome = input.kind === 'validated' || input.bytes.byteLength <= config.INLINE_MAX_BYTES ? unlessTooCostly(() => task.execute(input, format, fallback)) : undefined;
        if (outcome) {
          request.batchShape = outcome.shape;
          const payload = outcome.payload instanceof Uint8Array ? Buffer.from(outcome.payload.buffer, outcome.payload.byteOffset, outcome.payload.byteLength) : outcome.payload;
          return reply.type(MEDIA_TYPES[outcome.format]).send(payload as never);
        }
        const raw = rawInputOf(request, input);
        const client = whileClientWaits(reply);
        try {
          const answer = await runInPool({ task: name, input: { ...raw, bytes: ownBuffer(raw.bytes) }, format, fallback }, client.signal);
          request.batchShape = answer.shape;
          return reply.type(MEDIA_TYPES[answer.format]).send(answer.bytes as never);
        } finally {
          client.release();
        }
      },
      async offload<T extends object>(name: string, task: unknown, transferList: ArrayBuffer[], reply: FastifyReply, memory?: MemoryPrice): Promise<T> {
        const client = whileClientWaits(reply);
        try {
          const answer = await admittedRun<T | { problem: Problem; headers: Record<string, string> }>(name, task, transferList, client.signal, memory);
          if ('problem' in answer) throw ProblemError.from(answer);
          return answer;
        } finally {
          client.release();
        }
      },
      get saturated() {
        return admitted >= capacity;
      },
      get queueSize() {
        return Math.max(0, admitted - config.WORKERS);
      },
      async ping() {
        await pool.run(null, { name: 'ping' });
      },
      get utilization() {
        return pool.utilization;
      },
      get memoryInFlight() {
        return pricedInFlight;
      },
      get pooled() {
        return pooled;
      },
    };
    app.decorate('scoring', scoring);
    app.decorateRequest('batchShape', undefined);
    app.addHook('onClose', async () => {
      closing = true;
      // Every admitted batch finishes first (each is bounded by REQUEST_TIMEOUT_MS). Piscina's own
      // close() (5.3.2) counts one finished task once per worker, so it can stop waiting while
      // another worker still runs, and then terminates it mid-task.
      if (admitted > 0) await new Promise<void>((resolve) => (onDrained = resolve));
      await pool.close();
    });
  },
  { name: 'scoring', dependencies: ['@fastify/accepts'] },
);
