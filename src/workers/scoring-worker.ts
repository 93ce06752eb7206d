/**
 * The pool's entry point: named tasks only, no math. Each receives raw request bytes
 * (transferred, not copied), decodes and validates them with the route's own schema, runs the
 * computation and transfers the encoded response back.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { configureLimits } from '../scoring/limits.js';
import { ProblemError, type Problem } from '../errors.js';
import { resultBytes, scoringTasks, type OutputFormat, type ScoringInput, type ScoringTaskName } from '../scoring/tasks.js';

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

/** Lets the pool start every thread before the service reports ready. */
export const ping = (): string => 'pong';
