import type { z } from 'zod';
import { fromZodIssues } from '../errors.js';
import { precisionRecallSvg, rocSvg } from '../plots/curve-plots.js';
import { AurocRequest } from '../schemas/auroc.js';
import { AveragePrecisionRequest } from '../schemas/average-precision.js';
import { PrecisionRecallRequest, RocRequest } from '../schemas/curves.js';
import { FocalLossRequest } from '../schemas/focal-loss.js';
import { ScoreRequest } from '../schemas/score.js';
import { computeAuroc } from './auroc.js';
import { computeAveragePrecision } from './average-precision.js';
import { computePrecisionRecall, computeRoc } from './curves.js';
import { computeFocalLoss } from './focal-loss.js';
import { computeScore } from './score.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const SVG_TYPE = 'image/svg+xml; charset=utf-8';

export interface ScoringTask {
  contentType: string;
  /**
   * Computes the response for a request body: an object for JSON tasks, a string for SVG ones.
   * Bodies Fastify already validated (small ones, on the main thread) are trusted; raw ones
   * (parsed in a worker) are validated here with the same schema, so both paths enforce one
   * contract.
   */
  run(body: unknown, validated: boolean): unknown;
}

const task = <S extends z.ZodType>(schema: S, compute: (request: z.output<S>) => unknown, contentType = JSON_TYPE): ScoringTask => ({
  contentType,
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
  averagePrecision: task(AveragePrecisionRequest, computeAveragePrecision),
  roc: task(RocRequest, computeRoc),
  rocSvg: task(RocRequest, (request) => rocSvg(computeRoc(request)), SVG_TYPE),
  precisionRecall: task(PrecisionRecallRequest, computePrecisionRecall),
  precisionRecallSvg: task(PrecisionRecallRequest, (request) => precisionRecallSvg(computePrecisionRecall(request)), SVG_TYPE),
  score: task(ScoreRequest, computeScore),
} satisfies Record<string, ScoringTask>;

export type ScoringTaskName = keyof typeof scoringTasks;

/** The response body as text: JSON for objects, as is for SVG. */
export const encodeResult = (result: unknown): string => (typeof result === 'string' ? result : JSON.stringify(result));
