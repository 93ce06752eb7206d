/**
 * The pool's entry point: named tasks only, no math. Each receives raw request bytes
 * (transferred, not copied), parses and validates them with the route's own schema, runs the
 * computation and transfers the serialized JSON back.
 */
import { move } from 'piscina';
import { decodeJsonBody } from '../scoring/json-body.js';
import { ProblemError, type Problem } from '../errors.js';
import { encodeResult, scoringTasks, type ScoringTaskName } from '../scoring/tasks.js';

export interface JsonTask {
  task: ScoringTaskName;
  body: Uint8Array;
}

/** What a worker answers: the response bytes (transferred) or a problem for the client. */
export type WorkerReply = Uint8Array | { problem: Problem; headers: Record<string, string> };

const encoder = new TextEncoder();

export function scoreJson({ task, body }: JsonTask): WorkerReply {
  try {
    const response = scoringTasks[task].run(decodeJsonBody(body), false);
    // TextEncoder allocates a fresh ArrayBuffer, so transferring it detaches nothing shared.
    return move(encoder.encode(encodeResult(response))) as unknown as Uint8Array;
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Lets the pool start every thread before the service reports ready. */
export const ping = (): string => 'pong';
