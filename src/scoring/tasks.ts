import type { z } from 'zod';
import { FocalLossRequest } from '../schemas/focal-loss.js';
import { computeFocalLoss } from './focal-loss.js';

interface ScoringTask<S extends z.ZodType> {
  /** The request schema: run by Fastify for small bodies, by the worker for raw ones. */
  schema: S;
  compute: (request: z.output<S>) => unknown;
}

const task = <S extends z.ZodType>(schema: S, compute: (request: z.output<S>) => unknown): ScoringTask<S> => ({
  schema,
  compute,
});

/**
 * Every computation the service offers, by name. The same table serves the main thread (small
 * batches, computed inline) and the worker pool (large bodies, parsed and computed there).
 */
export const scoringTasks = {
  focalLoss: task(FocalLossRequest, computeFocalLoss),
};

export type ScoringTaskName = keyof typeof scoringTasks;
