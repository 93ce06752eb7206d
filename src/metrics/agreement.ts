import { z } from 'zod';
import { matricesOf } from './confusion-matrix.js';
import { defineMetric, threshold, type MetricEntry } from './definition.js';
import { checkMatrixClasses, confusionState, statScoresOf, statState } from './stat-scores.js';

/** float32's machine epsilon, which torchmetrics' degenerate-matrix rule for MCC uses. */
const FLOAT32_EPS = 2 ** -23;

/**
 * Matthews correlation coefficient (Gorodkin's R_K for C classes) from the trace c, the total s,
 * and the true (t_k) and predicted (p_k) count of each class:
 * (c·s − Σ t_k p_k) / √((s² − Σ p_k²)(s² − Σ t_k²)), torchmetrics' `_matthews_corrcoef_reduce`,
 * whose rules for a 2 × 2 matrix [[tn, fp], [fn, tp]] (1 or −1 when it is all right or all
 * wrong; with a zero marginal a √ε-scaled numerator over ε-padded marginals, ε = 2^-23) it
 * follows rather than scikit-learn's 0; a C × C matrix with a zero marginal is 0. With
 * `degenerate` "zero", scikit-learn's `matthews_corrcoef` instead: 0 whenever a marginal is empty
 * (the covariance product is 0), with no all-right / all-wrong rule.
 */
export function matthewsCorrcoefOf(
  trace: number,
  total: number,
  truths: ArrayLike<number>,
  predictions: ArrayLike<number>,
  binary: number[][] | null,
  degenerate: MatthewsDegenerate = 'epsilon',
): number {
  if (binary && degenerate === 'epsilon') {
    const [[tn, fp], [fn, tp]] = binary;
    if (tp + tn !== 0 && fp + fn === 0) return 1;
    if (tp + tn === 0 && fp + fn !== 0) return -1;
  }
  let tkpk = 0;
  let pkpk = 0;
  let tktk = 0;
  for (let k = 0; k < truths.length; k++) {
    tkpk += truths[k] * predictions[k];
    pkpk += predictions[k] * predictions[k];
    tktk += truths[k] * truths[k];
  }
  const numerator = trace * total - tkpk;
  const denominator = (total * total - pkpk) * (total * total - tktk);
  if (denominator === 0) return binary && degenerate === 'epsilon' ? degenerateMatthews(binary) : 0;
  return numerator / Math.sqrt(denominator);
}

/**
 * torchmetrics' rule for a 2 × 2 matrix with a zero marginal, in the float32 arithmetic it runs
 * in (its counts go through `.float()`, ε is a float32 tensor), each operation rounded to
 * float32 in torch's order, so the answer is torchmetrics' to the last digit.
 */
function degenerateMatthews(m: number[][]): number {
  const f = Math.fround;
  const [[tn, fp], [fn, tp]] = m.map((row) => row.map(f));
  const e = FLOAT32_EPS;
  const root = f(Math.sqrt(e));
  let numerator: number;
  if (fn === 0 && tn === 0) numerator = f(root * f(tp - fp));
  else if (fp === 0 && tn === 0) numerator = f(root * f(tp - fn));
  else if (tp === 0 && fn === 0) numerator = f(root * f(tn - fp));
  else if (tp === 0 && fp === 0) numerator = f(root * f(tn - fn));
  else if (tp === 0) numerator = f(tn - f(fp * fn));
  else if (tn === 0) numerator = f(tp - f(fp * fn));
  else if (fp === 0 || fn === 0) numerator = f(tp * tn);
  else return 0;
  const padded = (a: number, b: number) => f(f(a + b) + e);
  const denominator = f(f(f(padded(tp, fp) * padded(tp, fn)) * padded(tn, fp)) * padded(tn, fn));
  return f(numerator / f(Math.sqrt(denominator)));
}

/** How MCC answers a matrix with an empty row or column marginal (its formula's 0/0). */
export type MatthewsDegenerate = 'epsilon' | 'zero';

const MatthewsOptions = z.strictObject({
  threshold,
  degenerate: z
    .enum(['epsilon', 'zero'])
    .default('epsilon')
    .describe(
      'A matrix with an empty marginal (one class in the labels or in the decisions): `epsilon` (torchmetrics) 1 or −1 when every decision is right or wrong, else its ε-padded formula; `zero` (scikit-learn `matthews_corrcoef`) 0.',
    ),
});

export const matthewsCorrcoef = defineMetric<z.output<typeof MatthewsOptions>, Float64Array>({
  name: 'matthews_corrcoef',
  summary: 'Correlation between labels and decisions, in [-1, 1].',
  source: 'torchmetrics *_matthews_corrcoef; scikit-learn matthews_corrcoef (degenerate "zero")',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['threshold', 'degenerate'], multiclass: ['degenerate'], multilabel: ['threshold', 'degenerate'] },
  options: MatthewsOptions,
  needsScores: false,
  state: (options, config) => statState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const { tp, fp, tn, fn } = statScoresOf(counts, config, derived);
    const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
    const warnings: string[] = [];
    const emptyWarning = `no samples: 0 by ${options.degenerate === 'zero' ? "scikit-learn's" : "torchmetrics'"} rule for an empty matrix`;
    let value: number;
    if (config.task === 'multiclass') {
      // One prediction per row: every class counts every kept row once.
      const total = tn[0] + fp[0] + fn[0] + tp[0];
      if (total === 0) warnings.push(emptyWarning);
      // Two classes make a 2 × 2 matrix, [[n00, n01], [n10, n11]], which torchmetrics' 2 × 2 rules apply to.
      const square = tp.length === 2 ? [[tp[0], fn[0]], [fn[1], tp[1]]] : null;
      value = matthewsCorrcoefOf(sum(tp), total, tp.map((t, c) => t + fn[c]), tp.map((t, c) => t + fp[c]), square, options.degenerate);
    } else {
      // Multilabel: the labels' 2 × 2 matrices summed, as torchmetrics does.
      const m = [
        [sum(tn), sum(fp)],
        [sum(fn), sum(tp)],
      ];
      const total = m[0][0] + m[0][1] + m[1][0] + m[1][1];
      if (total === 0) warnings.push(emptyWarning);
      value = matthewsCorrcoefOf(m[0][0] + m[1][1], total, [m[0][0] + m[0][1], m[1][0] + m[1][1]], [m[0][0] + m[1][0], m[0][1] + m[1][1]], m, options.degenerate);
    }
    return { matthews_corrcoef: value, warnings };
  },
});

type KappaWeights = 'linear' | 'quadratic' | 'none' | null;

/**
 * Cohen's kappa of a confusion matrix: 1 − Σ w·O / Σ w·E with E the outer product of the
 * marginals over the total, and w 1 off the diagonal (unweighted), |i − j| (linear) or
 * (i − j)² (quadratic), torchmetrics' `_cohen_kappa_reduce`. Null when Σ w·E is 0 (every sample
 * in one class on both sides: no disagreement is possible by chance).
 */
export function cohenKappaFromMatrix(m: number[][], weights: KappaWeights): number | null {
  const n = m.length;
  const rows = m.map((row) => row.reduce((a, b) => a + b, 0));
  const columns = m[0].map((_, j) => m.reduce((a, row) => a + row[j], 0));
  const total = rows.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights === 'linear' ? Math.abs(i - j) : weights === 'quadratic' ? (i - j) ** 2 : i === j ? 0 : 1;
      observed += w * m[i][j];
      expected += w * ((rows[i] * columns[j]) / total);
    }
  }
  return expected === 0 ? null : 1 - observed / expected;
}

export const cohenKappa = defineMetric<{ threshold: number; weights: KappaWeights }, Float64Array>({
  name: 'cohen_kappa',
  summary: 'Agreement between labels and decisions beyond chance; `weights` linear / quadratic for ordered classes.',
  source: 'torchmetrics *_cohen_kappa',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: ['threshold', 'weights'], multiclass: ['weights'] },
  options: z.strictObject({
    threshold,
    weights: z.enum(['linear', 'quadratic', 'none']).nullable().default(null).describe('Disagreement weights: null / `none` (0 on the diagonal, 1 elsewhere), `linear` |i − j|, `quadratic` (i − j)².'),
  }),
  needsScores: false,
  check: (_options, config, path) => checkMatrixClasses('cohen_kappa', config, path),
  state: (options, config) => confusionState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const value = cohenKappaFromMatrix(matricesOf(counts, config, derived)[0], options.weights);
    return {
      cohen_kappa: value,
      warnings: value === null ? ['cohen_kappa is 0/0 (no samples, or labels and decisions all in one class: no disagreement is possible by chance): undefined (null)'] : [],
    };
  },
});
