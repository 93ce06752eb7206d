/**
 * The pool's entry point: named tasks only, no math. Each receives raw request bytes
 * (transferred, not copied), decodes and validates them with the route's own schema, runs the
 * computation and transfers the encoded response back.
 */
import { move, workerData } from 'piscina';
import { configureLimits } from '../scoring/limits.js';
import { ProblemError, type Problem } from '../errors.js';
import { resultBytes, scoringTasks, type OutputFormat, type ScoringInput, type ScoringTaskName } from '../scoring/tasks.js';

configureLimits(workerData as { maxElements: number });

export interface PoolTask {
  task: ScoringTaskName;
  input: Exclude<ScoringInput, { kind: 'validated' }>;
  format: OutputFormat;
}

/** What a worker answers: the response bytes (transferred) or a problem for the client. */
export type WorkerReply = Uint8Array | { problem: Problem; headers: Record<string, string> };

export function score({ task, input, format }: PoolTask): WorkerReply {
  try {
    return move(resultBytes(scoringTasks[task].execute(input, format))) as unknown as Uint8Array;
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Lets the pool start every thread before the service reports ready. */
export const ping = (): string => 'pong';
