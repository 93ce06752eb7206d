import type { z } from 'zod';
import { ProblemError, fromZodIssues } from '../errors.js';
import { metricsSvg } from '../plots/metrics-svg.js';
import { metricsText } from '../plots/report-text.js';
import { detSvg, precisionRecallSvg, rocSvg } from '../plots/curve-plots.js';
import { AurocCompareRequest } from '../schemas/auroc-compare.js';
import { AurocRequest } from '../schemas/auroc.js';
import { AveragePrecisionRequest } from '../schemas/average-precision.js';
import { DetCurveRequest, PrecisionRecallRequest, RocRequest } from '../schemas/curves.js';
import { FocalLossRequest } from '../schemas/focal-loss.js';
import { MetricsRequest } from '../schemas/metrics.js';
import { ScoreRequest } from '../schemas/score.js';
import { ARROW_STREAM, decodeArrowRequest } from '../wire/arrow.js';
import { computeAurocCompare } from './auroc-compare.js';
import { computeCalibration, type CalibrationResult } from './calibration.js';
import { calibrationSvg } from '../plots/calibration-svg.js';
import { CalibrationRequest } from '../schemas/calibration.js';
import { computeAuroc } from './auroc.js';
import { computeAveragePrecision } from './average-precision.js';
import { computeDetCurve, computePrecisionRecall, computeRoc } from './curves.js';
import { assertFiniteResult } from '../batch/finite.js';
import { computeFocalLoss, focalLossArrow, focalLossJson } from './focal-loss.js';
import { computeMetricsRequest } from './metrics.js';
import { decodeJsonBody, ownBuffer } from '../wire/json-body.js';
import { stringifyResponseBytes } from '../wire/json-response.js';
import { shapeOf } from '../batch/tensor.js';
import { computeScore, scoreArrow, scoreJson } from './score.js';
import { ThresholdsRequest } from '../schemas/thresholds.js';
import { computeThresholds } from './thresholds.js';
import { thresholdsSvg } from '../plots/thresholds-svg.js';

export type OutputFormat = 'json' | 'svg' | 'arrow' | 'text';

export const MEDIA_TYPES: Record<OutputFormat, string> = {
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
  arrow: ARROW_STREAM,
  text: 'text/plain; charset=utf-8',
};

/** How a request body reaches a task: validated by Fastify already, or raw bytes to decode. */
export type ScoringInput =
  | { kind: 'validated'; body: unknown }
  | { kind: 'json'; bytes: Uint8Array }
  | { kind: 'arrow'; bytes: Uint8Array; query: Record<string, unknown> };

type Encoders<R> = { json: (result: R) => object } & Partial<Record<'svg' | 'arrow' | 'text', (result: R) => string | Uint8Array>>;

/** An encoded answer, the format it is in, and the shape of the batch it answered (for the request log). */
export interface ScoringOutcome {
  payload: object | string | Uint8Array;
  format: OutputFormat;
  /** The outer sizes of `preds` (of `preds_a` for comparisons), as the request log reports them. */
  shape: number[] | undefined;
}

export interface ScoringTask {
  /** The output formats this task can answer in, JSON first. */
  formats: OutputFormat[];
  /** Whether the route takes Arrow request bodies. */
  arrowInput: boolean;
  /**
   * Decodes (if raw), validates (if not yet), computes and encodes one request in `format`, or
   * in `fallback` (a format the client also accepts) when this answer cannot be drawn in it
   * (an SVG asked of metrics without a confusion matrix).
   */
  execute(input: ScoringInput, format: OutputFormat, fallback?: OutputFormat | null): ScoringOutcome;
}

const identity = <R extends object>(result: R): object => result;

/**
 * A task of `schema`'s requests: `compute` is told the format asked (an answer drawn may need
 * more than its JSON: a threshold curve not asked for), `encoders` write its result in each.
 */
function task<S extends z.ZodObject, R>(schema: S, compute: (request: z.output<S>, format: OutputFormat) => R, encoders: Encoders<R>, arrowInput = false): ScoringTask {
  const validate = (body: unknown): z.output<S> => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues);
    return parsed.data;
  };
  return {
    formats: ['json', ...(Object.keys(encoders).filter((f) => f !== 'json') as OutputFormat[])],
    arrowInput,
    execute(input, format, fallback = null) {
      let request: z.output<S>;
      if (input.kind === 'validated') request = input.body as z.output<S>;
      else if (input.kind === 'json') request = validate(decodeJsonBody(input.bytes));
      else request = decodeArrowRequest(input.bytes, input.query, schema) as z.output<S>;
      const result = compute(request, format);
      assertFiniteResult(result);
      const batch = request as { preds?: unknown; preds_a?: unknown };
      const shape = shapeOf(batch.preds ?? batch.preds_a);
      try {
        return { payload: (encoders[format] ?? encoders.json)(result), format, shape };
      } catch (error) {
        // An encoder that cannot draw this answer says 406; a client that also takes `fallback` gets that.
        if (!(fallback && error instanceof ProblemError && error.status === 406)) throw error;
        return { payload: (encoders[fallback] ?? encoders.json)(result), format: fallback, shape };
      }
    },
  };
}

/**
 * Every computation the service offers, by name, with the formats it answers in. The same table
 * serves the main thread (small batches, computed inline) and the worker pool (large bodies,
 * decoded and computed there), so both paths enforce one contract.
 */
export const scoringTasks = {
  focalLoss: task(FocalLossRequest, computeFocalLoss, { json: focalLossJson, arrow: focalLossArrow }, true),
  auroc: task(AurocRequest, computeAuroc, { json: identity }, true),
  aurocCompare: task(AurocCompareRequest, computeAurocCompare, { json: identity }),
  averagePrecision: task(AveragePrecisionRequest, computeAveragePrecision, { json: identity }),
  roc: task(RocRequest, computeRoc, { json: identity, svg: rocSvg }),
  precisionRecallCurve: task(PrecisionRecallRequest, computePrecisionRecall, { json: identity, svg: precisionRecallSvg }),
  detCurve: task(DetCurveRequest, computeDetCurve, { json: identity, svg: detSvg }, true),
  metrics: task(MetricsRequest, computeMetricsRequest, { json: identity, svg: metricsSvg, text: metricsText }, true),
  score: task(ScoreRequest, computeScore, { json: scoreJson, arrow: scoreArrow }, true),
  thresholds: task(ThresholdsRequest, (request, format) => computeThresholds(request, format === 'svg'), { json: identity, svg: thresholdsSvg }),
  calibration: task(CalibrationRequest, computeCalibration, { json: (result: CalibrationResult) => result.response, svg: calibrationSvg }),
} satisfies Record<string, ScoringTask>;

export type ScoringTaskName = keyof typeof scoringTasks;

const encoder = new TextEncoder();

/**
 * A result as bytes of its own (safe to transfer): JSON text, SVG text, or Arrow. JSON is the
 * main thread's text (stringifyResponse) written straight to bytes: tensors from their flat
 * values, not by JSON.stringify walking the nested arrays into a string that is then encoded.
 */
export function resultBytes(result: object | string | Uint8Array): Uint8Array {
  if (result instanceof Uint8Array) return ownBuffer(result);
  return typeof result === 'string' ? encoder.encode(result) : stringifyResponseBytes(result);
}
