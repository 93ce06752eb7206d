import { z } from 'zod';
import { classLabel, classesPhrase } from './averaging.js';
import type { MetricConfig } from '../batch/batch.js';
import { averageOption, defineMetric, threshold, underived, zeroDivision, zeroDivisionValue, type Derived, type MetricEntry, type ZeroDivision } from './definition.js';
import { checkMatrixClasses, confusionState, statScoresOf, statState } from './stat-scores.js';
import { nanAverage } from './rates.js';
import { withSamplesAverage } from './samples-average.js';

/**
 * The confusion state as matrices, label-major: binary one 2 × 2 [[tn, fp], [fn, tp]],
 * multiclass one C × C, multilabel one 2 × 2 per label. Made once per compute group and shared
 * by the metrics that read it (who must not modify them).
 */
export function matricesOf(counts: Float64Array, config: MetricConfig, derived: Derived = underived): number[][][] {
  return derived('matrices', () => toMatrices(counts, config));
}

function toMatrices(counts: Float64Array, config: MetricConfig): number[][][] {
  const size = config.task === 'multiclass' ? config.classes : 2;
  const count = config.task === 'multilabel' ? config.classes : 1;
  const out: number[][][] = [];
  for (let m = 0, at = 0; m < count; m++) {
    const matrix: number[][] = [];
    for (let r = 0; r < size; r++) {
      const row: number[] = new Array(size);
      for (let j = 0; j < size; j++) row[j] = counts[at++];
      matrix.push(row);
    }
    out.push(matrix);
  }
  return out;
}

type Normalize = 'true' | 'pred' | 'all' | 'none' | null;

/**
 * torchmetrics' `_confusion_matrix_reduce`: rows divided by their sums (`true`), columns
 * (`pred`), or everything by the total (`all`). A 0/0 cell is 0, as torchmetrics answers, with a
 * warning naming the empty row or column.
 */
function normalizeMatrix(matrix: number[][], normalize: Normalize, who: string, warnings: string[]): number[][] {
  if (normalize === null || normalize === 'none') return matrix;
  const n = matrix.length;
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const columnSums = matrix[0].map((_, j) => matrix.reduce((a, row) => a + row[j], 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  const denominator = (i: number, j: number) => (normalize === 'true' ? rowSums[i] : normalize === 'pred' ? columnSums[j] : total);
  const empty = normalize === 'true' ? rowSums : normalize === 'pred' ? columnSums : [total];
  const emptyNames = empty.flatMap((v, k) => (v === 0 ? [normalize === 'all' ? 'the matrix' : `${normalize === 'true' ? 'row' : 'column'} ${k}`] : []));
  if (emptyNames.length > 0) warnings.push(`${who}: ${emptyNames.join(', ')} ${emptyNames.length > 1 ? 'are' : 'is'} empty; its normalized cells are 0, as torchmetrics answers`);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (denominator(i, j) === 0 ? 0 : matrix[i][j] / denominator(i, j))));
}

interface ConfusionMatrixOptions {
  threshold: number;
  normalize: Normalize;
}

/** `confusion_matrix`: counts (label rows, predicted columns), or rates when normalized. */
export const confusionMatrix = defineMetric<ConfusionMatrixOptions, Float64Array>({
  name: 'confusion_matrix',
  summary: 'Counts by label (rows) and decision (columns): [2][2], [C][C] or [L][2][2]; `normalize` true / pred / all.',
  source: 'torchmetrics *_confusion_matrix',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['threshold', 'normalize'], multiclass: ['normalize'], multilabel: ['threshold', 'normalize'] },
  options: z.strictObject({
    threshold,
    normalize: z
      .enum(['true', 'pred', 'all', 'none'])
      .nullable()
      .default(null)
      .describe('Divide each row (`true`), each column (`pred`) or everything (`all`) by its sum; null or `none`: counts.'),
  }),
  needsScores: false,
  answerSize: (config) => (config.task === 'multiclass' ? config.classes ** 2 : 4 * config.classes),
  check: (_options, config, path) => checkMatrixClasses('confusion_matrix', config, path),
  state: (options, config) => confusionState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const warnings: string[] = [];
    const normalized = matricesOf(counts, config, derived).map((m, c) => normalizeMatrix(m, options.normalize, config.task === 'multilabel' ? classLabel('multilabel', c) : 'the matrix', warnings));
    return { confusion_matrix: config.task === 'multilabel' ? normalized : normalized[0], normalize: options.normalize, warnings };
  },
});

interface JaccardOptions {
  threshold: number;
  average: 'micro' | 'macro' | 'weighted' | 'samples' | 'none';
  zero_division: ZeroDivision;
}

/**
 * `jaccard_index`: tp / (tp + fp + fn), torchmetrics' `_jaccard_index_reduce`. Macro leaves out
 * multiclass classes that neither occur nor are predicted, and an `ignore_index` inside 0..C-1
 * (micro takes that class's denominator out too); weighted weighs by support. `zero_division:
 * "nan"`: a 0/0 is null and left out of the averages, as scikit-learn's `jaccard_score`.
 */
export const jaccardIndex = withSamplesAverage(defineMetric<JaccardOptions, Float64Array>({
  name: 'jaccard_index',
  summary: 'Intersection over union: tp / (tp + fp + fn).',
  source: 'torchmetrics *_jaccard_index',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['threshold', 'zero_division'], multiclass: ['average', 'zero_division'], multilabel: ['threshold', 'average', 'zero_division'] },
  options: z.strictObject({ threshold, average: averageOption, zero_division: zeroDivision }),
  needsScores: false,
  state: (options, config) => statState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const warnings: string[] = [];
    const zd = zeroDivisionValue(options.zero_division);
    const { task, classes } = config;
    const what = `jaccard_index is 0/0 (no samples and nothing predicted); ${zd === null ? 'null by zero_division "nan"' : `${zd} by zero_division`}`;
    const ratio = (num: number, den: number, who: string): number | null => {
      if (den !== 0) return num / den;
      warnings.push(`${who}: ${what}`);
      return zd;
    };
    const { tp, fp, fn } = statScoresOf(counts, config, derived);
    if (task === 'binary') return { jaccard_index: ratio(tp[0], tp[0] + fp[0] + fn[0], 'the batch'), warnings };
    const num = tp;
    const den = new Float64Array(classes);
    const support = new Float64Array(classes);
    // Multiclass: a class that neither occurs nor is predicted (its row and column are empty).
    const seen = new Float64Array(classes);
    for (let c = 0; c < classes; c++) {
      den[c] = tp[c] + fp[c] + fn[c];
      support[c] = tp[c] + fn[c];
      seen[c] = den[c] + tp[c];
    }
    const ignored = config.ignoreIndex !== null && config.ignoreIndex >= 0 && config.ignoreIndex < classes ? config.ignoreIndex : null;
    const empty: number[] = [];
    const perClass = Array.from(num, (n, c): number | null => (den[c] !== 0 ? n / den[c] : (empty.push(c), zd)));
    if (options.average === 'micro') {
      // Beside a micro average, the warning is about the pooled counts, not the classes.
      const total = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
      const micro = ratio(total(num), total(den) - (ignored === null ? 0 : den[ignored]), 'the pooled (micro) counts');
      return { jaccard_index: micro, per_class: perClass, warnings };
    }
    const leftOut = zd === null && options.average !== 'none' ? `, left out of the ${options.average} average` : '';
    if (empty.length > 0) warnings.push(`${classesPhrase(task, empty)}: ${what}${leftOut}`);
    if (options.average === 'none') return { jaccard_index: null, per_class: perClass, warnings };
    const weightOf = (c: number) => (options.average === 'weighted' ? support[c] : options.average === 'macro' && (c === ignored || (task === 'multiclass' && seen[c] === 0)) ? 0 : 1);
    if (zd === null) return { jaccard_index: nanAverage('jaccard_index', perClass, options.average, weightOf, warnings), per_class: perClass, warnings };
    let weighted = 0;
    let norm = 0;
    for (let c = 0; c < classes; c++) {
      const w = weightOf(c);
      weighted += w * (perClass[c] as number);
      norm += w;
    }
    if (norm === 0) {
      warnings.push(`no class carries weight in the ${options.average} average: the jaccard_index is undefined (null)`);
      return { jaccard_index: null, per_class: perClass, warnings };
    }
    return { jaccard_index: weighted / norm, per_class: perClass, warnings };
  },
}), () => (tp, fp, _tn, fn) => [tp, tp + fp + fn]);
