/*
 * The predicted class of each row of scores: the first index of the row's maximum (torch.argmax
 * on CPU). Two rows are compared per step in the lanes of a f64x2 vector, branch-free, so a
 * row's unpredictable maximum costs no mispredicted branches. argmax_rows writes the classes;
 * confusion_from_scores counts them straight into a C × C matrix, counts[label * C + predicted],
 * skipping rows whose label is `ignore` (when has_ignore); group_confusion_from_scores counts
 * them into one such matrix per group. See src/kernels/stat-scores.ts (argmaxRows,
 * confusionFromScores, groupConfusionFromScores), which feeds them in chunks.
 */
#include <stdint.h>
#include <wasm_simd128.h>

/* The first maxima of rows a and b, in lanes 0 and 1. */
static inline v128_t argmax_pair(const double *a, const double *b, int32_t classes) {
  v128_t max = wasm_f64x2_make(a[0], b[0]);
  v128_t best = wasm_i64x2_splat(0);
  for (int32_t c = 1; c < classes; c++) {
    v128_t v = wasm_f64x2_make(a[c], b[c]);
    v128_t greater = wasm_f64x2_gt(v, max); /* strict: the first maximum stays */
    max = wasm_v128_bitselect(v, max, greater);
    best = wasm_v128_bitselect(wasm_i64x2_splat(c), best, greater);
  }
  return best;
}

/* The first maximum of one row (the odd row at the end). */
static inline int32_t argmax_one(const double *row, int32_t classes) {
  int32_t best = 0;
  double max = row[0];
  for (int32_t c = 1; c < classes; c++) {
    if (row[c] > max) {
      max = row[c];
      best = c;
    }
  }
  return best;
}

void argmax_rows(const double *scores, int32_t rows, int32_t classes, int32_t *out) {
  int32_t i = 0;
  for (; i + 1 < rows; i += 2) {
    const double *a = scores + (int64_t)i * classes;
    v128_t best = argmax_pair(a, a + classes, classes);
    out[i] = (int32_t)wasm_i64x2_extract_lane(best, 0);
    out[i + 1] = (int32_t)wasm_i64x2_extract_lane(best, 1);
  }
  if (i < rows) out[i] = argmax_one(scores + (int64_t)i * classes, classes);
}

void confusion_from_scores(const double *scores, const int32_t *labels, int32_t rows, int32_t classes, int32_t has_ignore,
                           int32_t ignore, double *counts) {
  int32_t i = 0;
  for (; i + 1 < rows; i += 2) {
    const double *a = scores + (int64_t)i * classes;
    v128_t best = argmax_pair(a, a + classes, classes);
    int32_t ya = labels[i], yb = labels[i + 1];
    if (!has_ignore || ya != ignore) counts[ya * classes + (int32_t)wasm_i64x2_extract_lane(best, 0)] += 1.0;
    if (!has_ignore || yb != ignore) counts[yb * classes + (int32_t)wasm_i64x2_extract_lane(best, 1)] += 1.0;
  }
  if (i < rows && (!has_ignore || labels[i] != ignore)) counts[labels[i] * classes + argmax_one(scores + (int64_t)i * classes, classes)] += 1.0;
}

/*
 * confusion_from_scores by group: row i counts into group groups[i]'s C × C block,
 * counts[(groups[i] * C + label) * C + predicted], weighing weights[i] when has_weights (else 1);
 * weighted, it also adds 1 to kept[groups[i]] (rows kept, unweighted: without weights they are
 * the blocks' sums, and the loop is left lean). Rows whose label is `ignore` (when has_ignore)
 * count nowhere. Each cell adds its rows in row order, as a loop over the rows would.
 */
static inline int32_t cell(int32_t g, int32_t y, int32_t p, int32_t classes) { return (g * classes + y) * classes + p; }

void group_confusion_from_scores(const double *scores, const int32_t *labels, const int32_t *groups, const double *weights, int32_t rows,
                                 int32_t classes, int32_t has_ignore, int32_t ignore, int32_t has_weights, double *counts, double *kept) {
  int32_t i = 0;
  if (!has_weights) {
    for (; i + 1 < rows; i += 2) {
      const double *a = scores + (int64_t)i * classes;
      v128_t best = argmax_pair(a, a + classes, classes);
      int32_t ya = labels[i], yb = labels[i + 1];
      if (!has_ignore || ya != ignore) counts[cell(groups[i], ya, (int32_t)wasm_i64x2_extract_lane(best, 0), classes)] += 1.0;
      if (!has_ignore || yb != ignore) counts[cell(groups[i + 1], yb, (int32_t)wasm_i64x2_extract_lane(best, 1), classes)] += 1.0;
    }
    if (i < rows && (!has_ignore || labels[i] != ignore)) counts[cell(groups[i], labels[i], argmax_one(scores + (int64_t)i * classes, classes), classes)] += 1.0;
    return;
  }
  for (; i + 1 < rows; i += 2) {
    const double *a = scores + (int64_t)i * classes;
    v128_t best = argmax_pair(a, a + classes, classes);
    int32_t ya = labels[i], yb = labels[i + 1];
    if (!has_ignore || ya != ignore) {
      counts[cell(groups[i], ya, (int32_t)wasm_i64x2_extract_lane(best, 0), classes)] += weights[i];
      kept[groups[i]] += 1.0;
    }
    if (!has_ignore || yb != ignore) {
      counts[cell(groups[i + 1], yb, (int32_t)wasm_i64x2_extract_lane(best, 1), classes)] += weights[i + 1];
      kept[groups[i + 1]] += 1.0;
    }
  }
  if (i < rows && (!has_ignore || labels[i] != ignore)) {
    counts[cell(groups[i], labels[i], argmax_one(scores + (int64_t)i * classes, classes), classes)] += weights[i];
    kept[groups[i]] += 1.0;
  }
}

/*
 * The reliability bins of torchmetrics' multiclass calibration error: each kept row's top
 * probability (its first maximum) is its confidence, and whether that class is the label its
 * accuracy. Bin i is [i/n, (i+1)/n); a confidence of exactly 1 lands in bin n (bucketize,
 * right=True, minus 1). bins[3b], bins[3b+1], bins[3b+2] gather the (weighted) count, Σ w·conf
 * and Σ w·accuracy of bin b. Weights are read when has_weights (one per row), else 1.
 */
static inline int32_t bin_of(double confidence, int32_t n) {
  int32_t i = (int32_t)(confidence * n); /* confidence >= 0: truncation is floor */
  if (i > n) i = n;
  if (i < n && (double)(i + 1) / n <= confidence) i++;
  if (i > 0 && (double)i / n > confidence) i--;
  return i;
}

static inline void add_to_bin(double *bins, int32_t n, double confidence, int correct, double w) {
  double *bin = bins + 3 * bin_of(confidence, n);
  bin[0] += w;
  bin[1] += w * confidence;
  bin[2] += correct ? w : 0.0;
}

void calibration_bins(const double *scores, const int32_t *labels, const double *weights, int32_t rows, int32_t classes,
                      int32_t has_ignore, int32_t ignore, int32_t has_weights, int32_t n, double *bins) {
  int32_t i = 0;
  for (; i + 1 < rows; i += 2) {
    const double *a = scores + (int64_t)i * classes;
    v128_t best = argmax_pair(a, a + classes, classes);
    int32_t ba = (int32_t)wasm_i64x2_extract_lane(best, 0), bb = (int32_t)wasm_i64x2_extract_lane(best, 1);
    int32_t ya = labels[i], yb = labels[i + 1];
    if (!has_ignore || ya != ignore) add_to_bin(bins, n, a[ba], ba == ya, has_weights ? weights[i] : 1.0);
    if (!has_ignore || yb != ignore) add_to_bin(bins, n, a[classes + bb], bb == yb, has_weights ? weights[i + 1] : 1.0);
  }
  if (i < rows && (!has_ignore || labels[i] != ignore)) {
    const double *row = scores + (int64_t)i * classes;
    int32_t b = argmax_one(row, classes);
    add_to_bin(bins, n, row[b], b == labels[i], has_weights ? weights[i] : 1.0);
  }
}
