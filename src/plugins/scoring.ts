import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { Piscina } from 'piscina';
import type { Config } from '../config.js';
import { ProblemError, overloaded, timedOut } from '../errors.js';
import { RawJsonBody } from '../scoring/json-body.js';
import { scoringTasks, type ScoringTaskName } from '../scoring/tasks.js';
import type { JsonTask, WorkerReply } from '../workers/scoring-worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    scoring: Scoring;
  }
}

/** What a handler sends: a response object (serialized by its schema), SVG text, or finished bytes. */
export type ScoredPayload = object | string | Buffer;

export interface Scoring {
  /**
   * Scores one request. Small bodies arrive parsed and validated and are computed inline (a
   * worker round trip costs more than the work); large ones arrive as raw bytes and go to the
   * pool, which parses, validates, computes and serializes off the main thread.
   */
  run(task: ScoringTaskName, body: unknown): Promise<ScoredPayload>;
  /** `run`, sent as the JSON reply: the one call a scoring route's handler makes. */
  respond(reply: FastifyReply, task: ScoringTaskName, body: unknown): Promise<FastifyReply>;
  /** True while the queue is full: readiness turns 503 so a balancer sends elsewhere. */
  readonly saturated: boolean;
  readonly queueSize: number;
  readonly utilization: number;
}

/** Builds run the compiled worker; source runs (tests, tsx) load it through tsx. */
function workerFilename(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? '../workers/from-source.mjs' : '../workers/scoring-worker.js', import.meta.url));
}

/** The body's bytes as a transferable buffer of their own (copied only when they share one). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return own ? bytes : new Uint8Array(bytes);
}

const isQueueFull = (error: unknown) => error instanceof Error && /queue is at limit/i.test(error.message);
const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError';

export default fp(
  async function scoringPlugin(app, opts: { config: Config }) {
    const { config } = opts;
    const pool = new Piscina({
      filename: workerFilename(),
      minThreads: config.WORKERS,
      maxThreads: config.WORKERS,
      maxQueue: config.MAX_QUEUE,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    await Promise.all(Array.from({ length: config.WORKERS }, () => pool.run(null, { name: 'ping' })));

    async function runInPool(task: ScoringTaskName, bytes: Uint8Array): Promise<Buffer> {
      const body = ownBytes(bytes);
      let reply: WorkerReply;
      try {
        reply = await pool.run({ task, body } satisfies JsonTask, {
          name: 'scoreJson',
          transferList: [body.buffer as ArrayBuffer],
          signal: AbortSignal.timeout(config.REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        if (isQueueFull(error)) throw overloaded('the work queue is full; retry shortly', undefined, { 'Retry-After': '1' });
        if (isAbort(error)) {
          throw timedOut(`the computation exceeded REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS} ms) and was cancelled`, undefined, {
            'Retry-After': '1',
          });
        }
        throw error;
      }
      if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
      throw ProblemError.from(reply);
    }

    const scoring: Scoring = {
      async run(task, body) {
        if (body instanceof RawJsonBody) return runInPool(task, body.bytes);
        return scoringTasks[task].run(body, true) as ScoredPayload;
      },
      async respond(reply, task, body) {
        const payload = await scoring.run(task, body);
        return reply.type(scoringTasks[task].contentType).send(payload as never);
      },
      get saturated() {
        return config.MAX_QUEUE > 0 ? pool.queueSize >= config.MAX_QUEUE : pool.queueSize > 0 && pool.utilization >= 1;
      },
      get queueSize() {
        return pool.queueSize;
      },
      get utilization() {
        return pool.utilization;
      },
    };
    app.decorate('scoring', scoring);
    app.addHook('onClose', async () => {
      await pool.close();
    });
  },
  { name: 'scoring' },
);
