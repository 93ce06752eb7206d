import { invalidField } from '../errors.js';
import { ScoreLossOptions, type ScoreRequest, type ScoreResponse } from '../schemas/score.js';
import { AurocRequest } from '../schemas/auroc.js';
import { AveragePrecisionRequest } from '../schemas/average-precision.js';
import { aurocOfBatch } from './auroc.js';
import { averagePrecisionOfBatch } from './average-precision.js';
import { encodeArrowResponse } from '../wire/arrow.js';
import { focalLossBatchFromTensors, focalLossJson, focalLossOfBatch, type FocalLossResult } from './focal-loss.js';
import { RankCountsCache } from './rank-counts-cache.js';
import { rankingBatchFromTensors } from './ranking-batch.js';
import { flattenIntegers, flattenNumbers, type LabelTensor, type Tensor } from './tensor.js';

/** Metric option defaults, taken from the metrics' own request schemas. */
const aurocDefaults = AurocRequest.pick({ average: true, multi_class: true, max_fpr: true, thresholds: true, ci: true }).parse({});
const lossDefaults = ScoreLossOptions.parse({});
const apDefaults = AveragePrecisionRequest.pick({ average: true, thresholds: true, ci: true }).parse({});

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

export function computeScore(request: ScoreRequest): ScoreResult {
  const preds = flattenNumbers('preds', request.preds, 3);
  const labels = flattenIntegers('labels', request.labels, 2);
  const focalBatch = focalLossBatchFromTensors(preds, labels, { ...request, num_classes: request.loss?.num_classes });
  const lossOptions = request.loss === undefined ? lossDefaults : request.loss;
  const loss = lossOptions === null ? null : focalLossOfBatch(focalBatch, { ...lossOptions, input: request.input, ignore_index: request.ignore_index });

  const metrics: ScoreResult['metrics'] = {};
  if (request.metrics.length > 0) {
    const samples = asSamples(preds, labels, focalBatch.task === 'multiclass');
    const batch = rankingBatchFromTensors(samples.preds, samples.labels, { task: focalBatch.task, input: request.input, ignore_index: request.ignore_index });
    // What the loss's format stage decided ([B, 1] read as binary, one-hot labels) holds for the metrics too.
    batch.warnings.push(...focalBatch.warnings);
    const cache = new RankCountsCache(batch);
    request.metrics.forEach((metric, i) => {
      const entry = typeof metric === 'string' ? { name: metric } : metric;
      if (entry.name in metrics) throw invalidField(`metrics/${i}`, `"${entry.name}" is requested twice`);
      if (entry.name === 'auroc') metrics.auroc = aurocOfBatch(cache, { ...aurocDefaults, ...entry });
      else metrics.average_precision = averagePrecisionOfBatch(cache, { ...apDefaults, ...entry });
    });
  }
  return { task: focalBatch.task, loss, metrics };
}
