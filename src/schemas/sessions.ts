import { z } from 'zod';
import { LabelValue, labelTensor, namedExamples } from './common.js';
import { MAX_GROUPS } from '../batch/groups.js';
import { Task } from '../batch/task.js';
import { FocalLossRequest, FocalLossResponse } from './focal-loss.js';
import { MetricResult, MetricSpec } from './metrics.js';
import { rankingBatchFields } from './ranking.js';
import { ScoreLossOptions } from './score.js';
import { ThresholdsOptions } from '../metrics/thresholds.js';
import { CalibrationMethod, CalibrationOptions } from '../metrics/calibration.js';

export const SessionId = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'a session id is 32 hexadecimal digits')
  .describe('128-bit random id, as the creation answered it.');

export const SessionParams = z.strictObject({ id: SessionId });

/** The body of POST /v1/sessions: the configuration every batch of the session shares. */
export const SessionCreateRequest = z
  .strictObject({
    task: Task.describe('The classification task of every batch.'),
    num_classes: z.number().int().min(2).max(32_768).optional().describe('Multiclass: required, C.'),
    num_labels: z.number().int().min(1).max(32_768).optional().describe('Multilabel: required, L.'),
    input: z
      .enum(['auto', 'probs', 'logits'])
      .optional()
      .describe('How preds are read. Default: `logits` with a loss (the loss takes no `auto`), else `auto` (torchmetrics\' rule, decided per batch).'),
    ignore_index: LabelValue.optional().describe('Labels with this value are left out, as on every endpoint.'),
    num_groups: z
      .number()
      .int()
      .min(1)
      .max(MAX_GROUPS)
      .optional()
      .describe('The group count G of every batch\'s `groups`: required with any metric `by_group` or a fairness metric (a 400 naming `num_groups` otherwise), whose state is G times the metric\'s.'),
    loss: ScoreLossOptions.nullable()
      .default(null)
      .describe('Focal-loss options (as /v1/focal-loss): each batch answers its loss (and `grad` with return_grad) and the session its epoch loss. null: no loss.'),
    metrics: z.array(MetricSpec).max(256).optional().describe('As in /v1/metrics: computed over every batch posted, as over their concatenation (none when absent).'),
    keep_rows: z
      .boolean()
      .default(false)
      .describe(
        'Keep every batch\'s rows (scores as sent, labels, weights) for the epoch\'s thresholds, calibration, curves and report, without asking an exact ranking metric (which keeps them anyway). Bounded by SESSION_MAX_ROWS and SESSION_MAX_SCORES (413).',
      ),
    ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .optional()
      .describe('Inactivity time to live: every call restarts it (default SESSION_TTL_SECONDS, a day).'),
  })
  .meta({
    ...namedExamples({
      validation: {
        summary: 'A validation epoch: AUROC, average precision, F1 and calibration',
        value: { task: 'binary', metrics: ['auroc', 'average_precision', 'f1_score', 'calibration_error'] },
      },
      training: {
        summary: 'Multiclass training: the loss and gradient per batch, the epoch loss and macro F1',
        value: { task: 'multiclass', num_classes: 3, loss: { gamma: 2, alpha: 0.25, return_grad: true }, metrics: [{ name: 'f1_score', average: 'macro' }] },
      },
    }),
  });
export type SessionCreateRequest = z.infer<typeof SessionCreateRequest>;

/** What a session is: its configuration, with what defaults were applied. */
export const SessionDescription = z
  .object({
    id: SessionId,
    task: Task,
    num_classes: z.number().int().nullable(),
    num_labels: z.number().int().nullable(),
    input: z.enum(['auto', 'probs', 'logits']),
    ignore_index: z.number().int().nullable(),
    num_groups: z.number().int().optional().describe('The group count of every batch\'s `groups`, when the session has one.'),
    // As sent at creation (output schemas of their own would duplicate the request's components).
    loss: z.record(z.string(), z.unknown()).nullable().describe('The focal-loss options, as sent.'),
    metrics: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).describe('The metrics, as sent.'),
    keep_rows: z.boolean().describe('Whether the session keeps its rows: asked with keep_rows, or by an exact ranking metric.'),
    ttl_seconds: z.number().int(),
    expires_at: z.string().describe('When the session expires unless used before (ISO 8601, UTC).'),
  })
  .meta({ id: 'Session', description: 'A session and its configuration.' });

/** One batch posted to a session: the tensors only (the rest is the session's). */
export const SessionBatchRequest = z
  .strictObject({
    preds: FocalLossRequest.shape.preds,
    labels: FocalLossRequest.shape.labels.describe(
      'Shaped as the session\'s task says: binary and multilabel like preds, multiclass one class index per row of preds [N, C] in 0..num_classes-1 (a 400 naming `labels` otherwise).',
    ),
    sample_weight: rankingBatchFields.sample_weight,
    groups: labelTensor(2, 'One group id per sample in 0..num_groups-1, shaped as sample_weight: [N] (multilabel: per row), [B, N] with the [B, N, C] logits of a session with a loss: required when the session has num_groups, refused otherwise.').optional(),
  })
  .meta({
    ...namedExamples({
      binary: { summary: 'A batch of a binary session (the "validation" creation example): scores and 0/1 labels', value: { preds: [0.1, 0.8, 0.35, 0.6], labels: [0, 1, 0, 1] } },
      multiclass: {
        summary: 'A batch of a 3-class session (the "training" creation example): logits [N, C] and class indices',
        value: { preds: [[2.0, 0.5, -1.0], [0.1, 1.2, 0.3], [-0.5, 0.2, 1.5]], labels: [0, 1, 2] },
      },
    }),
  });
export type SessionBatchRequest = z.infer<typeof SessionBatchRequest>;

export const SessionBatchResponse = z
  .object({
    rows: z.number().int().describe('Samples accumulated so far, this batch included.'),
    batches: z.number().int().describe('Batches accumulated so far, this batch included.'),
    input: z.enum(['probs', 'logits']).nullable().describe('How this batch\'s preds were read.'),
    loss: FocalLossResponse.nullable().describe('This batch\'s focal loss (and grad), when the session has a loss.'),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'SessionBatchResult', description: 'A batch folded into a session.' });

export const SessionResult = z
  .object({
    id: SessionId,
    task: Task,
    rows: z.number().int(),
    batches: z.number().int(),
    loss: z
      .object({ loss: z.number(), count: z.number().int(), reduction: z.enum(['mean', 'sum', 'none']) })
      .nullable()
      .describe('The epoch\'s focal loss: mean over every contributing element of every batch (weighted by sample_weight), or the sum (`sum`, `none`).'),
    metrics: z.record(z.string(), MetricResult).describe('Each metric over every batch posted, as /v1/metrics answers it for their concatenation.'),
    warnings: z.array(z.string()),
    expires_at: z.string(),
  })
  .meta({ id: 'SessionResult', description: 'The metrics (and loss) of everything posted to a session.' });

export const SessionMergeRequest = z
  .strictObject({
    from: z.array(SessionId).min(1).max(256).describe('Sessions of the same configuration whose states are folded into this one (they stay as they are); ids unique and not this session\'s own.'),
  })
  .meta({
    ...namedExamples({
      ranks: { summary: 'Two other ranks\' sessions folded into rank 0\'s', value: { from: ['6c1f0e2a9b8d4c7e8f1a2b3c4d5e6f70', '0a9b8c7d6e5f40312a1b2c3d4e5f6a7b'] } },
    }),
  });

/** A query parameter's text as the JSON it spells (a number, boolean, object or list), else as the text itself (a name). */
function jsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The OpenAPI extension that marks a query parameter read as JSON text. */
export const JSON_TEXT = 'x-json-text';

/**
 * An options schema read from a query string: each field is the options schema's own, its text
 * parsed as JSON first (`thresholds=50`, `return_curve=true`, `objective={"name":"fbeta_score","beta":2}`;
 * a plain name as itself), so a GET takes what the POST body takes, validated by the same schema.
 */
export function jsonTextQuery<S extends Record<string, z.ZodType>>(options: z.ZodObject<S>) {
  // Marked for the OpenAPI document, which declares such a parameter as JSON content (src/plugins/openapi-document.ts).
  const shape = Object.fromEntries(Object.entries(options.shape).map(([key, field]) => [key, z.preprocess(jsonText, field).meta({ [JSON_TEXT]: true })])) as { [K in keyof S]: z.ZodPipe<z.ZodTransform<unknown, unknown>, S[K]> };
  return z.strictObject(shape);
}

/** GET /v1/sessions/{id}/thresholds: POST /v1/thresholds' options (ThresholdsOptions) as query parameters. */
export const SessionThresholdsQuery = jsonTextQuery(ThresholdsOptions);

/** GET /v1/sessions/{id}/calibration: POST /v1/calibration's options (CalibrationOptions) as query parameters. */
export const SessionCalibrationQuery = jsonTextQuery(CalibrationOptions);

/** GET /v1/sessions/{id}/report: the threshold's objective and the calibration's method, when not the report's own. */
export const SessionReportQuery = jsonTextQuery(
  z.strictObject({
    objective: ThresholdsOptions.shape.objective.optional().describe('The objective of the threshold section (default f1_score), as in GET .../thresholds.'),
    method: CalibrationMethod.optional().describe('The calibration section\'s method (default temperature for multiclass, sigmoid otherwise).'),
  }),
);
