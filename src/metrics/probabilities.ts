import { probabilities } from '../kernels/probabilities.js';
import { derivedFromBatch, type MetricBatch } from '../batch/batch.js';

/** Where a batch keeps its probabilities once made, however many metrics read them. */
const PROBABILITIES = Symbol('probabilities');

/**
 * The batch's scores as probabilities (σ of binary and multilabel logits, softmax of multiclass
 * logits, as torchmetrics' `normalize_logits_if_needed`), made once per batch.
 */
export function probabilitiesOf(batch: MetricBatch): Float64Array {
  return derivedFromBatch(batch, PROBABILITIES, () => probabilities(batch.preds, batch.rows, batch.classes, batch.task === 'multiclass', batch.input === 'logits'));
}
