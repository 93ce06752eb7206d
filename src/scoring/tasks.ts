import type { z } from 'zod';
import { fromZodIssues } from '../errors.js';
import { AurocRequest } from '../schemas/auroc.js';
import { FocalLossRequest } from '../schemas/focal-loss.js';
import { computeAuroc } from './auroc.js';
import { computeFocalLoss } from './focal-loss.js';

export interface ScoringTask {
  /**
   * Computes the response for a request body. Bodies Fastify already validated (small ones, on
   * the main thread) are trusted; raw ones (parsed in a worker) are validated here with the same
   * schema, so both paths enforce one contract.
   */
  run(body: unknown, validated: boolean): unknown;
}

const task = <S extends z.ZodType>(schema: S, compute: (request: z.output<S>) => unknown): ScoringTask => ({
  run(body, validated) {
    if (validated) return compute(body as z.output<S>);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues);
    return compute(parsed.data);
  },
});

/**
 * Every computation the service offers, by name. The same table serves the main thread (small
 * batches, computed inline) and the worker pool (large bodies, parsed and computed there).
 */
export const scoringTasks = {
  focalLoss: task(FocalLossRequest, computeFocalLoss),
  auroc: task(AurocRequest, computeAuroc),
} satisfies Record<string, ScoringTask>;

export type ScoringTaskName = keyof typeof scoringTasks;
