import { invalidField } from '../errors.js';
import { delongComponents, delongDifferenceVariance } from '../kernels/delong.js';
import { normalSurvival, normalUpperQuantile } from '../kernels/normal.js';
import type { AurocCompareRequest, AurocCompareResponse } from '../schemas/auroc-compare.js';
import { delongUndefinedReason } from '../metrics/confidence.js';
import { rankingBatchFromTensors } from '../batch/ranking-batch.js';
import { checkWork, rankingWork } from '../batch/limits.js';
import { binaryColumn, binaryColumnWarning, flattenIntegers, flattenNumbers, formatShape } from '../batch/tensor.js';

/**
 * Two models' AUROC on the same samples, compared with DeLong's paired test (DeLong, DeLong &
 * Clarke-Pearson 1988; fast components by Sun & Xu 2014): the difference, its normal interval,
 * z and the two-sided p-value.
 *
 * @throws {ProblemError} 400 for mismatched lengths or non-binary labels
 */
export function computeAurocCompare(request: AurocCompareRequest): AurocCompareResponse {
  const labels = flattenIntegers('labels', request.labels, 1);
  const warnings: string[] = [];
  const sides = (['a', 'b'] as const).map((side) => {
    const field = `preds_${side}` as const;
    const sent = flattenNumbers(field, request[field], 2);
    // [N, 1] scores with [N] labels are one binary column, as everywhere else.
    const preds = binaryColumn(sent, labels, undefined) ?? sent;
    if (preds !== sent) warnings.push(binaryColumnWarning(sent.shape, field));
    if (preds.shape.length !== 1 || preds.shape[0] !== labels.shape[0]) {
      throw invalidField(field, `expected ${labels.shape[0]} scores like labels ([N] or [N, 1]), got ${formatShape(sent.shape)}`);
    }
    // Validation and the `input` decision as /v1/auroc makes them; σ is not needed (rank-based).
    return rankingBatchFromTensors(preds, labels, { task: 'binary', input: request.input, ignore_index: request.ignore_index }, field);
  });
  // Two sorts of the rows (each model's DeLong components).
  checkWork('preds_a', 2 * rankingWork({ rows: labels.shape[0], classes: 1 }), 'comparing two AUROCs');
  const components = sides.map((batch) => {
    const positives: number[] = [];
    const negatives: number[] = [];
    for (let i = 0; i < batch.rows; i++) {
      if (batch.labels[i] === batch.ignoreIndex) continue;
      (batch.labels[i] === 1 ? positives : negatives).push(batch.scores[i]);
    }
    return delongComponents(Float64Array.from(positives), Float64Array.from(negatives));
  });
  const [a, b] = components;
  if (a === null || b === null) {
    return {
      auroc_a: null,
      auroc_b: null,
      difference: null,
      ci: null,
      z: null,
      p_value: null,
      warnings: [...warnings, 'the labels need both positives and negatives: the AUROCs are undefined (null)'],
    };
  }
  const difference = a.auroc - b.auroc;
  const variance = delongDifferenceVariance(a, b);
  if (variance === null) {
    const reason = delongUndefinedReason(a.v10.length, a.v01.length);
    return { auroc_a: a.auroc, auroc_b: b.auroc, difference, ci: null, z: null, p_value: null, warnings: [...warnings, `no DeLong test (ci, z and p_value null): ${reason}`] };
  }
  const clamped = Math.max(0, variance);
  const half = normalUpperQuantile((1 - request.level) / 2) * Math.sqrt(clamped);
  let z: number | null = null;
  let pValue: number | null = null;
  if (clamped > 0) {
    z = difference / Math.sqrt(clamped);
    pValue = Math.min(1, 2 * normalSurvival(Math.abs(z)));
  } else if (difference === 0) pValue = 1;
  else warnings.push('the difference has zero variance: z is undefined (null)');
  return {
    auroc_a: a.auroc,
    auroc_b: b.auroc,
    difference,
    ci: { lower: Math.max(-1, difference - half), upper: Math.min(1, difference + half), level: request.level, method: 'delong' },
    z,
    p_value: pValue,
    warnings,
  };
}
