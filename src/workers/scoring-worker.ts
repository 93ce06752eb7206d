/**
 * The pool's entry point: named tasks only, no math. Each receives raw request bytes
 * (transferred, not copied), decodes and validates them with the route's own schema, runs the
 * computation and transfers the encoded response back.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { configureLimits } from '../scoring/limits.js';
import { ProblemError, type Problem } from '../errors.js';
import { resultBytes, scoringTasks, type OutputFormat, type ScoringInput, type ScoringTaskName } from '../scoring/tasks.js';
import { assertFiniteResult } from '../scoring/finite.js';
import { computeSession, prepareBody, sessionCurves, type PreparedBatch, type SessionBatchInput, type SessionConfig, type SessionCurve } from '../sessions/session.js';
import { precisionRecallSvg, rocSvg } from '../plots/curve-plots.js';

configureLimits(workerData as { maxElements: number });

export interface PoolTask {
  task: ScoringTaskName;
  input: Exclude<ScoringInput, { kind: 'validated' }>;
  format: OutputFormat;
  fallback: OutputFormat | null;
}

/** What a worker answers: the response bytes (transferred) with the batch's shape, or a problem for the client. */
export type WorkerReply = { bytes: Uint8Array; format: OutputFormat; shape: number[] | undefined } | { problem: Problem; headers: Record<string, string> };

export function score({ task, input, format, fallback }: PoolTask): WorkerReply {
  try {
    const outcome = scoringTasks[task].execute(input, format, fallback);
    const bytes = resultBytes(outcome.payload);
    // Posted with the bytes' buffer in the transfer list: the answer moves, it is not copied.
    return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: { bytes, format: outcome.format, shape: outcome.shape } }) as unknown as WorkerReply;
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Rows chunks on their way to a worker: each with its own buffer, or packed in one. */
export type RowsForWorker = { list: Uint8Array[] } | { packed: Uint8Array; ends: number[] };

const unpack = (rows: RowsForWorker): Uint8Array[] =>
  'list' in rows ? rows.list : rows.ends.map((end, i) => rows.packed.subarray(i === 0 ? 0 : rows.ends[i - 1], end));

/** A session's accumulated state, sent to a worker to compute (rows chunks packed in one buffer). */
export interface SessionComputeTask {
  config: SessionConfig;
  counts: Uint8Array | null;
  /** The rows chunks: as they are (each transferred with its own buffer), or packed back to back with `ends`. */
  chunks: RowsForWorker;
  rows: number;
  batches: number;
}

/** Computes a session off the main thread: the answer as JSON bytes (transferred back), or a problem. */
export function sessionCompute(task: SessionComputeTask): { bytes: Uint8Array } | { problem: Problem; headers: Record<string, string> } {
  try {
    const result = computeSession(task.config, { counts: task.counts, chunks: unpack(task.chunks), rows: task.rows, batches: task.batches });
    assertFiniteResult(result);
    const bytes = new TextEncoder().encode(JSON.stringify(result));
    return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: { bytes } }) as unknown as { bytes: Uint8Array };
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Prepares a large session batch off the main thread (decode, check, count); a problem for a bad one. */
export function sessionPrepare({ config, input }: { config: SessionConfig; input: SessionBatchInput }): { prepared: PreparedBatch & { fingerprint: string } } | { problem: Problem; headers: Record<string, string> } {
  try {
    return { prepared: prepareBody(config, input) };
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** A session's curves off the main thread: JSON or SVG bytes (transferred back). */
export function sessionCurve(task: Omit<SessionComputeTask, 'counts' | 'rows' | 'batches'> & { curve: SessionCurve; options: { drop_intermediate: boolean; max_points?: number }; svg: boolean }): { bytes: Uint8Array } {
  const result = sessionCurves(task.config, unpack(task.chunks), task.curve, task.options);
  assertFiniteResult(result);
  const text = task.svg ? (task.curve === 'roc' ? rocSvg(result as never) : precisionRecallSvg(result as never)) : JSON.stringify(result);
  const bytes = new TextEncoder().encode(text);
  return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: { bytes } }) as unknown as { bytes: Uint8Array };
}

/** Lets the pool start every thread before the service reports ready. */
export const ping = (): string => 'pong';
