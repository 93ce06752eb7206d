import { ScoreLossOptions, type ScoreRequest, type ScoreResponse } from '../schemas/score.js';
import { configOf, metricBatchFromTensors, withGroups, type GroupsRequest, type MetricBatch } from '../batch/batch.js';
import { invalidField } from '../errors.js';
import { evaluateMetrics, type MetricRequest } from '../metrics/evaluate.js';
import { encodeArrowResponse } from '../wire/arrow.js';
import { focalLossBatchFromTensors, focalLossJson, focalLossOfBatch, focalSampleWeightShape, type FocalLossBatch, type FocalLossResult } from './focal-loss.js';
import { flattenIntegers, flattenNumbers, TypedTensor, type LabelTensor, type Tensor } from '../batch/tensor.js';
import type { RankingBatchRequest } from '../batch/ranking-batch.js';

/** The focal-loss options of a request that sends none. */
const lossDefaults = ScoreLossOptions.parse({});

/** Metrics rank samples: [B, N, C] logits become B·N samples of C classes, [B, N] scores B·N. */
function asSamples(preds: Tensor, labels: LabelTensor, multiclass: boolean): { preds: Tensor; labels: LabelTensor } {
  if (multiclass) {
    const classes = preds.shape[preds.shape.length - 1];
    return { preds: { data: preds.data, shape: [preds.data.length / classes, classes] }, labels: { data: labels.data, shape: [labels.data.length] } };
  }
  if (preds.shape.length === 2 && labels.shape.length === 2) return { preds, labels };
  return { preds: { data: preds.data, shape: [preds.data.length] }, labels: { data: labels.data, shape: [labels.data.length] } };
}

/**
 * One call per training batch: the focal loss and the requested metrics of the same batch,
 * parsed and flattened once; the metrics share one softmax and one sort per class.
 * Each part equals what its own endpoint answers for the same batch.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export type ScoreResult = Omit<ScoreResponse, 'loss'> & { loss: FocalLossResult | null };

export const scoreJson = (result: ScoreResult): ScoreResponse => ({ ...result, loss: result.loss && focalLossJson(result.loss) });

/** Arrow: the loss's `grad` / `losses` as columns, everything else in the metadata. */
export function scoreArrow({ loss, ...rest }: ScoreResult): Uint8Array {
  if (loss === null) return encodeArrowResponse({ ...rest, loss: null }, {});
  const { grad, losses, ...lossFields } = loss;
  return encodeArrowResponse({ ...rest, loss: lossFields }, { ...(grad ? { grad } : {}), ...(losses ? { losses } : {}) });
}

/** What one batch of /v1/score (or of a session) is, once formatted: its loss and its metric samples. */
export interface ScoredBatch {
  focalBatch: FocalLossBatch;
  loss: FocalLossResult | null;
  /** The batch as metric samples, or null when no metric is asked. */
  metricBatch: MetricBatch | null;
  input: ScoreResult['input'];
  warnings: string[];
}

/**
 * The stages /v1/score and session batches share: flatten once, format and compute the focal
 * loss (unless `loss` is null), and see the batch as metric samples ([B, N, C] logits as B·N
 * samples, weights and groups alike). `groups` go to the metric samples only, shaped as the
 * loss's `sample_weight` (the labels without a multilabel label axis: `[N]`, `[B, N]`); the loss
 * is not grouped.
 *
 * @throws {ProblemError} 400 naming `groups` of another shape than the labels' samples
 */
export function scoreStages(
  preds: Tensor,
  labels: LabelTensor,
  request: Pick<ScoreRequest, 'task' | 'input' | 'ignore_index' | 'sample_weight' | 'loss'> & Pick<RankingBatchRequest, 'extreme_weights'> & GroupsRequest & { num_classes?: number | undefined },
  withMetrics: boolean,
): ScoredBatch {
  const focalBatch = focalLossBatchFromTensors(
    preds,
    labels,
    { ...request, num_classes: request.loss?.num_classes ?? request.num_classes },
    request.num_classes === undefined ? 'loss/num_classes' : 'num_classes',
  );
  const lossOptions = request.loss === undefined ? lossDefaults : request.loss;
  const loss = lossOptions === null ? null : focalLossOfBatch(focalBatch, { ...lossOptions, input: request.input, ignore_index: request.ignore_index });
  const warnings = [...focalBatch.warnings];
  let input: ScoreResult['input'] = loss?.input ?? null;
  let metricBatch: MetricBatch | null = null;
  if (withMetrics) {
    // The loss's tensors: an empty batch has its columns there ([0, C], see emptyBatchShaped).
    const samples = asSamples(focalBatch.preds, focalBatch.labels, focalBatch.task === 'multiclass');
    // The loss's weights, one per metrics sample ([B, N] multiclass weights are B·N samples' weights).
    const weights = focalBatch.sampleWeight;
    const sampleWeight = weights && new TypedTensor(weights, focalBatch.task === 'binary' ? samples.labels.shape : [samples.labels.shape[0]]);
    metricBatch = metricBatchFromTensors(samples.preds, samples.labels, {
      task: focalBatch.task,
      input: request.input,
      ignore_index: request.ignore_index,
      sample_weight: sampleWeight,
      extreme_weights: request.extreme_weights,
      num_classes: focalBatch.task === 'multiclass' ? request.num_classes : undefined,
      num_labels: focalBatch.task === 'multilabel' ? request.num_classes : undefined,
    });
    // What the loss's format stage decided ([B, 1] read as binary, one-hot labels) holds for the metrics too.
    for (const w of metricBatch.warnings) if (!warnings.includes(w)) warnings.push(w);
    input = metricBatch.input;
    const groups = { groups: request.groups, num_groups: request.num_groups };
    metricBatch = withGroups({ ...metricBatch, warnings: [] }, groups, focalSampleWeightShape(focalBatch.task, focalBatch.labels.shape));
  }
  return { focalBatch, loss, metricBatch, input, warnings };
}

export function computeScore(request: ScoreRequest): ScoreResult {
  const preds = flattenNumbers('preds', request.preds, 3);
  const labels = flattenIntegers('labels', request.labels, 2);
  const stages = scoreStages(preds, labels, request, request.metrics.length > 0);
  const { focalBatch, loss, input, warnings, metricBatch } = stages;
  // The metrics' groups (GROUPS.md) are read by scoreStages; the loss ignores them.
  if (!metricBatch && request.groups !== undefined) throw invalidField('groups', 'are read by metrics: this request asks none');
  const metrics: ScoreResult['metrics'] = metricBatch ? evaluateMetrics(request.metrics as MetricRequest[], metricBatch, configOf(metricBatch)) : {};
  return { task: focalBatch.task, input, loss, metrics, warnings };
}
