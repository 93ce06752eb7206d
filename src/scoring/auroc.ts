import { invalidField } from '../errors.js';
import { aurocExact, aurocFromBinnedCounts } from '../kernels/auroc.js';
import { binnedRankCounts, rankCounts, type RankCounts } from '../kernels/rank-counts.js';
import type { AurocRequest, AurocResponse } from '../schemas/auroc.js';
import { averageDefined, undefinedClassWarning } from './averaging.js';
import { classScores, formatRankingBatch, pooledScores, supports, type ClassScores, type RankingBatch } from './ranking-batch.js';

/** Argument validation: option combinations the libraries reject, rejected with the field named. */
function checkAurocOptions(request: AurocRequest, batch: RankingBatch): void {
  if (request.max_fpr !== null && batch.task !== 'binary') throw invalidField('max_fpr', `applies to binary AUROC only (task is ${batch.task})`);
  if (request.multi_class === 'ovo') {
    if (batch.task !== 'multiclass') throw invalidField('multi_class', `"ovo" applies to multiclass only (task is ${batch.task})`);
    if (request.average !== 'macro' && request.average !== 'weighted') throw invalidField('average', `"ovo" supports macro or weighted, got "${request.average}"`);
    if (request.thresholds !== null) throw invalidField('thresholds', '"ovo" is computed exactly; binned thresholds are not supported');
  }
}

/** The threshold grid of binned mode: n evenly spaced on [0, 1], or the given increasing list. */
export function thresholdGrid(thresholds: number | number[] | null): Float64Array | null {
  if (thresholds === null) return null;
  if (typeof thresholds === 'number') return Float64Array.from({ length: thresholds }, (_, k) => k / (thresholds - 1));
  for (let k = 1; k < thresholds.length; k++) {
    if (!(thresholds[k] > thresholds[k - 1])) throw invalidField(`thresholds/${k}`, `must be strictly increasing (${thresholds[k]} after ${thresholds[k - 1]})`);
  }
  return Float64Array.from(thresholds);
}

/** Exact or binned rank counts: the update stage. */
export const countsOf = (scores: ClassScores, grid: Float64Array | null): RankCounts =>
  grid ? binnedRankCounts(scores.positives, scores.negatives, grid) : rankCounts(scores.positives, scores.negatives);

const aurocOf = (counts: RankCounts, grid: Float64Array | null, maxFpr: number | null) =>
  grid ? aurocFromBinnedCounts(counts, maxFpr) : aurocExact(counts, maxFpr);

/** Hand & Till (2001) one-vs-one AUROC, as scikit-learn's `multi_class="ovo"`. */
function aurocOneVsOne(batch: RankingBatch, weighted: boolean, warnings: string[]): Pick<AurocResponse, 'auroc' | 'per_pair'> {
  const { rows, classes, scores, labels, ignoreIndex } = batch;
  const counts = supports(batch);
  const kept = counts.reduce((a, b) => a + b, 0);
  const pairScores: Array<number | null> = [];
  const prevalence: number[] = [];
  const perPair: NonNullable<AurocResponse['per_pair']> = [];
  const split = (a: number, b: number, column: number, positive: number): ClassScores => {
    const positives = new Float64Array(counts[positive]);
    const negatives = new Float64Array(counts[positive === a ? b : a]);
    let p = 0;
    let n = 0;
    for (let i = 0; i < rows; i++) {
      const y = labels[i];
      if (y === ignoreIndex || (y !== a && y !== b)) continue;
      if (y === positive) positives[p++] = scores[i * classes + column];
      else negatives[n++] = scores[i * classes + column];
    }
    return { positives, negatives };
  };
  for (let a = 0; a < classes; a++) {
    for (let b = a + 1; b < classes; b++) {
      let score: number | null = null;
      if (counts[a] > 0 && counts[b] > 0) {
        const ab = aurocExact(countsOf(split(a, b, a, a), null), null) as number;
        const ba = aurocExact(countsOf(split(a, b, b, b), null), null) as number;
        score = (ab + ba) / 2;
      } else {
        warnings.push(`classes ${a} and ${b}: ${counts[a] === 0 ? `class ${a}` : `class ${b}`} has no samples, so the pair's AUROC is undefined (null) and left out of the average`);
      }
      pairScores.push(score);
      prevalence.push((counts[a] + counts[b]) / kept);
      perPair.push({ classes: [a, b], auroc: score });
    }
  }
  return { auroc: averageDefined(pairScores, weighted ? prevalence : null), per_pair: perPair };
}

/**
 * AUROC of one batch, as torchmetrics' `AUROC` and scikit-learn's `roc_auc_score`: validate,
 * format, count (one sort per class), compute, average over the defined classes.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export function computeAuroc(request: AurocRequest): AurocResponse {
  const grid = thresholdGrid(request.thresholds);
  const batch = formatRankingBatch(request, grid !== null);
  checkAurocOptions(request, batch);
  const warnings: string[] = [];
  const base = {
    task: batch.task,
    input: batch.input,
    average: batch.task === 'binary' ? null : request.average,
    multi_class: batch.task === 'multiclass' ? request.multi_class : null,
  };

  if (batch.task === 'binary') {
    const scores = classScores(batch, 0);
    const auroc = aurocOf(countsOf(scores, grid), grid, request.max_fpr);
    if (auroc === null) warnings.push(undefinedClassWarning('AUROC', 'the batch', scores.positives.length, scores.negatives.length));
    return { ...base, auroc, warnings };
  }
  if (request.multi_class === 'ovo' && batch.task === 'multiclass') {
    return { ...base, ...aurocOneVsOne(batch, request.average === 'weighted', warnings), warnings };
  }

  const perClass: Array<number | null> = [];
  for (let c = 0; c < batch.classes; c++) {
    const scores = classScores(batch, c);
    const value = aurocOf(countsOf(scores, grid), grid, null);
    if (value === null) warnings.push(undefinedClassWarning('AUROC', `${batch.task === 'multiclass' ? 'class' : 'label'} ${c}`, scores.positives.length, scores.negatives.length));
    perClass.push(value);
  }
  let auroc: number | null;
  if (request.average === 'none') auroc = null;
  else if (request.average === 'micro') auroc = aurocOf(countsOf(pooledScores(batch), grid), grid, null);
  else auroc = averageDefined(perClass, request.average === 'weighted' ? supports(batch) : null);
  if (auroc === null && request.average !== 'none') warnings.push('no class has both positive and negative samples: the AUROC is undefined (null)');
  return { ...base, auroc, per_class: perClass, warnings };
}
