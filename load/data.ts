/** Deterministic benchmark data (mulberry32), so the Node and Python sides see the same numbers. */
import { mulberry32 } from '../src/kernels/random.js';

export { mulberry32 };

/** Standard normal draws (Box–Muller). */
export function normals(n: number, random: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** Multiclass logits [rows, classes] whose true class gets a boost, and their labels. */
export function multiclassBatch(rows: number, classes: number, seed = 1) {
  const random = mulberry32(seed);
  const logits = normals(rows * classes, random);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = Math.floor(random() * classes);
    logits[i * classes + labels[i]] += 1.5;
  }
  return { logits, labels };
}

/** Binary scores in (0, 1) that separate the classes imperfectly, and 0/1 labels. */
export function binaryBatch(n: number, seed = 2) {
  const random = mulberry32(seed);
  const noise = normals(n, random);
  const scores = new Float64Array(n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random() < 0.3 ? 1 : 0;
    scores[i] = 1 / (1 + Math.exp(-(noise[i] + labels[i])));
  }
  return { scores, labels };
}

/** Softmax of each row of `logits` [rows, classes]: probabilities, as a model's head gives them. */
export function softmaxRows(logits: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let base = 0; base < logits.length; base += classes) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += (out[base + j] = Math.exp(logits[base + j]));
    for (let j = 0; j < classes; j++) out[base + j] /= sum;
  }
  return out;
}

/** The sixteen threshold metrics of issue 15, as a request lists them. */
export const THRESHOLD_FAMILY = [
  'stat_scores', 'confusion_matrix', 'accuracy', 'precision', 'recall', 'specificity', 'negative_predictive_value', 'f1_score',
  { name: 'fbeta_score', beta: 2 }, 'jaccard_index', 'hamming_distance', 'exact_match', 'matthews_corrcoef', 'cohen_kappa', 'balanced_accuracy', 'geometric_mean',
];
