import { z } from 'zod';
import { entryWeight, rowWeight, type MetricBatch, type MetricConfig } from '../batch/batch.js';
import { defineMetric, type MetricEntry } from './definition.js';
import { probabilitiesOf } from './probabilities.js';
import { countsState } from './state.js';

/** float64's machine epsilon: scikit-learn's `log_loss` clips probabilities to [ε, 1 − ε]. */
const EPS = 2 ** -52;
/** A probability clipped to [ε, 1 − ε], as scikit-learn's `log_loss` (and the D² null model) clip it. */
export const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));

/** A mean of a [Σ, count] state: null (with a warning) when nothing was counted. */
function meanOf(name: string, sum: number, count: number): MetricEntry {
  if (count === 0) return { [name]: null, warnings: [`no samples: ${name} is undefined (null)`] };
  return { [name]: sum / count, warnings: [] };
}

/**
 * scikit-learn's test of a probability row (`_validate_multiclass_probabilistic_prediction`):
 * `isclose(Σ_c p_c, 1, rtol=√ε, atol=1e-8)`, i.e. |Σ − 1| ≤ 1e-8 + √ε (≈ 2.5e-8).
 */
const ROW_SUM_TOLERANCE = 1e-8 + Math.sqrt(EPS);

/** Whether multiclass row `i` of `p` is off a unit sum by more than scikit-learn's tolerance. */
function offUnitSum(p: Float64Array, i: number, classes: number): boolean {
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += p[i * classes + c];
  return !(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE);
}

/** The warning scikit-learn ≥ 1.5 gives (and then scores the rows as they are). */
export const rowsOffWarning = (name: string, rows: number) =>
  `${rows} probability row${rows === 1 ? ' does' : 's do'} not sum to 1 (within 1e-8 + √ε): ${name} reads each row as sent, without rescaling, as scikit-learn ≥ 1.5 does`;

/** A mean of a [Σ, count, rows off a unit sum] state, with the warning when some row was off. */
function meanOfRows(name: string, state: Float64Array): MetricEntry {
  const entry = meanOf(name, state[0], state[1]);
  if (state[2] > 0) entry.warnings.push(rowsOffWarning(name, state[2]));
  return entry;
}

/**
 * Adds each kept element's cross-entropy as scikit-learn ≥ 1.5's `log_loss` computes it: the
 * probabilities of a row (binary: [1 − p, p]) clipped to [ε, 1 − ε], then −w · log of the true
 * class's — the row is not rescaled to sum to 1 (scikit-learn stopped doing so in 1.5, PR
 * #28851), so `log_loss`, `brier_score` and `calibration_error` read the same numbers. State:
 * [Σ, count, rows off a unit sum] (binary, multiclass) or [Σ, count] per label (multilabel,
 * whose log loss is the mean over labels of each label's binary one). O(n · C).
 */
export function countLogLoss(into: Float64Array, batch: MetricBatch): void {
  const p = probabilitiesOf(batch);
  const { rows, classes, labels, ignoreIndex, task } = batch;
  if (task === 'multiclass') {
    for (let i = 0; i < rows; i++) {
      const y = labels[i];
      if (y === ignoreIndex) continue;
      const w = rowWeight(batch, i);
      into[0] -= w * Math.log(clip(p[i * classes + y]));
      into[1] += w;
      if (offUnitSum(p, i, classes)) into[2] += 1;
    }
    return;
  }
  for (let i = 0; i < p.length; i++) {
    const y = labels[i];
    if (y === ignoreIndex) continue;
    const at = task === 'multilabel' ? 2 * (i % classes) : 0;
    const w = entryWeight(batch, i);
    into[at] -= w * Math.log(y === 1 ? clip(p[i]) : clip(1 - p[i]));
    into[at + 1] += w;
  }
}

/**
 * The key of `log_loss`'s state: [Σ, count, rows off a unit sum] (binary, multiclass; the D²
 * log-loss state opens with it, see `StateSpec.contains`), [Σ, count] per label (multilabel).
 */
export const LOG_LOSS_KEY = 'log_loss:unscaled';

export const logLoss = defineMetric<object, Float64Array>({
  name: 'log_loss',
  summary: 'Cross-entropy of the probabilities as sent (clipped to [ε, 1 − ε], rows not rescaled; a warning when a row does not sum to 1); multilabel: the mean over labels.',
  source: 'scikit-learn log_loss',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: [], multiclass: [], multilabel: [] },
  options: z.strictObject({}),
  needsScores: true,
  // The key names the layout: a session stored before rows were read unscaled kept [Σ, count].
  state: (_options, config) => countsState(LOG_LOSS_KEY, config.task === 'multilabel' ? 2 * config.classes : 3, countLogLoss),
  compute(state, _options, config: MetricConfig): MetricEntry {
    if (config.task !== 'multilabel') return meanOfRows('log_loss', state);
    let total = 0;
    let labels = 0;
    const empty: number[] = [];
    for (let c = 0; c < config.classes; c++) {
      if (state[2 * c + 1] === 0) empty.push(c);
      else {
        total += state[2 * c] / state[2 * c + 1];
        labels++;
      }
    }
    if (labels === 0) return { log_loss: null, warnings: ['no samples: log_loss is undefined (null)'] };
    const warnings = empty.length > 0 ? [`labels ${empty.join(', ')} have no samples: left out of the mean over labels`] : [];
    return { log_loss: total / labels, warnings };
  },
});

/**
 * Adds each kept sample's squared error: (p − y)² (binary; multilabel per entry) or
 * Σ_c (p_c − [c = y])² (multiclass, Brier 1950), the rows as sent. State [Σ, count, multiclass
 * rows off a unit sum] (scikit-learn's `brier_score_loss` warns of those as `log_loss` does).
 */
export function countBrier(into: Float64Array, batch: MetricBatch): void {
  const p = probabilitiesOf(batch);
  const { rows, classes, labels, ignoreIndex, task } = batch;
  if (task === 'multiclass') {
    for (let i = 0; i < rows; i++) {
      const y = labels[i];
      if (y === ignoreIndex) continue;
      const w = rowWeight(batch, i);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += (p[i * classes + c] - (c === y ? 1 : 0)) ** 2;
      into[0] += w * sum;
      into[1] += w;
      if (offUnitSum(p, i, classes)) into[2] += 1;
    }
    return;
  }
  for (let i = 0; i < p.length; i++) {
    if (labels[i] === ignoreIndex) continue;
    const w = entryWeight(batch, i);
    into[0] += w * (p[i] - labels[i]) ** 2;
    into[1] += w;
  }
}

/** The key of `brier_score`'s state, [Σ, count, rows off a unit sum]; the D² Brier state opens with it. */
export const BRIER_KEY = 'brier_score:unscaled';

export const brierScore = defineMetric<object, Float64Array>({
  name: 'brier_score',
  summary: 'Mean squared error of the probabilities against the labels (multiclass: summed over classes).',
  source: 'scikit-learn brier_score_loss; Brier (1950) for multiclass',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: [], multiclass: [], multilabel: [] },
  options: z.strictObject({}),
  needsScores: true,
  // The key names the layout: a session stored before rows were checked kept [Σ, count].
  state: () => countsState(BRIER_KEY, 3, countBrier),
  compute: (state) => meanOfRows('brier_score', state),
});

interface HingeOptions {
  squared: boolean;
  multiclass_mode: 'crammer-singer' | 'one-vs-all';
  scores: 'probabilities' | 'decision_values';
}

/**
 * Adds each kept sample's hinge measure max(0, 1 − margin) (squared if asked), as torchmetrics'
 * `_binary_hinge_loss_update` / `_multiclass_hinge_loss_update` on probabilities: binary margin
 * p for a positive and −p for a negative; Crammer–Singer p_y − max_{c≠y} p_c; one-vs-all per
 * class, p_c for the label's class and −p_c for the others. State [Σ per class…, count].
 *
 * `scores: "decision_values"` reads the preds as sent instead (no σ or softmax of logits), as
 * scikit-learn's `hinge_loss(y_true, pred_decision)` takes an SVM's `decision_function`: binary
 * margin y·s with y ∈ {−1, +1}, multiclass s_y − max_{c≠y} s_c, means weighted by sample_weight.
 */
function countHinge(into: Float64Array, batch: MetricBatch, options: HingeOptions): void {
  const p = options.scores === 'decision_values' ? batch.preds : probabilitiesOf(batch);
  const { rows, classes, labels, ignoreIndex, task } = batch;
  const measure = (margin: number) => {
    const m = Math.max(0, 1 - margin);
    return options.squared ? m * m : m;
  };
  const countAt = into.length - 1;
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y === ignoreIndex) continue;
    const w = rowWeight(batch, i);
    into[countAt] += w;
    if (task === 'binary') into[0] += w * measure(y === 1 ? p[i] : -p[i]);
    else if (options.multiclass_mode === 'crammer-singer') {
      let other = -Infinity;
      for (let c = 0; c < classes; c++) if (c !== y && p[i * classes + c] > other) other = p[i * classes + c];
      into[0] += w * measure(p[i * classes + y] - other);
    } else {
      for (let c = 0; c < classes; c++) into[c] += w * measure(c === y ? p[i * classes + c] : -p[i * classes + c]);
    }
  }
}

export const hingeLoss = defineMetric<HingeOptions, Float64Array>({
  name: 'hinge_loss',
  summary: 'Mean hinge loss of the probabilities, or of raw decision values with `scores` "decision_values" (`squared`; multiclass Crammer–Singer, or one-vs-all per class).',
  source: 'torchmetrics *_hinge_loss; scikit-learn hinge_loss (scores "decision_values")',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: ['squared', 'scores'], multiclass: ['squared', 'multiclass_mode', 'scores'] },
  options: z.strictObject({
    squared: z.boolean().default(false).describe('Square each sample\'s hinge.'),
    multiclass_mode: z
      .enum(['crammer-singer', 'one-vs-all'])
      .default('crammer-singer')
      .describe('`crammer-singer`: margin of the true class over the best other; `one-vs-all`: one binary hinge per class (answered per_class only).'),
    scores: z
      .enum(['probabilities', 'decision_values'])
      .default('probabilities')
      .describe(
        '`probabilities` (torchmetrics): margins of σ / softmax of logits, or of probabilities as sent; `decision_values` (scikit-learn `hinge_loss`): margins of the preds as sent, e.g. an SVM\'s decision_function, unbounded.',
      ),
  }),
  needsScores: true,
  state: (options, config) => {
    const perClass = config.task === 'multiclass' && options.multiclass_mode === 'one-vs-all';
    // The default keeps the key it had, so sessions already stored find their state.
    const scores = options.scores === 'decision_values' ? ':scores=decision_values' : '';
    const key = `hinge:squared=${options.squared}:${config.task === 'multiclass' ? options.multiclass_mode : 'binary'}${scores}`;
    return countsState(key, (perClass ? config.classes : 1) + 1, (into, batch) => countHinge(into, batch, options));
  },
  compute(state, options, config): MetricEntry {
    const count = state[state.length - 1];
    if (!(config.task === 'multiclass' && options.multiclass_mode === 'one-vs-all')) return meanOf('hinge_loss', state[0], count);
    if (count === 0) return { hinge_loss: null, per_class: Array.from({ length: config.classes }, () => null), warnings: ['no samples: hinge_loss is undefined (null)'] };
    return { hinge_loss: null, per_class: Array.from(state.subarray(0, config.classes), (s) => s / count), warnings: [] };
  },
});
