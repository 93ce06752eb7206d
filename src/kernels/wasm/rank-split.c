/*
 * The update stage of every exact ranking metric, compiled to WebAssembly
 * (scripts/build-wasm.sh): split one class's scores into positives and negatives, each sorted
 * ascending, and count the Mann-Whitney statistic on the way. Wrapped by ../class-split.ts and
 * tested against the engine's sort and a naive pair count in test/kernels/class-split.test.ts.
 *
 * The split and the first level of a distribution sort are one scatter: buckets linear in the
 * score between its minimum and maximum, about eight samples each, positives and negatives of a
 * bucket counted side by side (one cache line per random access). Rounded subtraction and
 * multiplication are monotone, so bucket order is value order and a positive beats every
 * negative of a lower bucket outright; only pairs inside a bucket are compared. Crowded buckets
 * (skewed scores) are finished by an introsort, so the worst case stays O(n log n).
 */
#include <stdint.h>

static void insertion_sort(double *v, int lo, int hi) {
  for (int i = lo + 1; i < hi; i++) {
    double x = v[i];
    int j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static void sift_down(double *v, int lo, int root, int n) {
  for (;;) {
    int child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && v[lo + child] < v[lo + child + 1]) child++;
    if (!(v[lo + root] < v[lo + child])) return;
    double t = v[lo + root];
    v[lo + root] = v[lo + child];
    v[lo + child] = t;
    root = child;
  }
}

static void heap_sort(double *v, int lo, int hi) {
  int n = hi - lo;
  for (int i = n / 2 - 1; i >= 0; i--) sift_down(v, lo, i, n);
  for (int end = n - 1; end > 0; end--) {
    double t = v[lo];
    v[lo] = v[lo + end];
    v[lo + end] = t;
    sift_down(v, lo, 0, end);
  }
}

/* Quicksort (median of three), insertion sort below 24, heapsort past the depth limit. */
static void intro_sort(double *v, int lo, int hi, int depth) {
  while (hi - lo > 24) {
    if (depth-- == 0) {
      heap_sort(v, lo, hi);
      return;
    }
    int mid = lo + (hi - lo) / 2;
    double a = v[lo], b = v[mid], c = v[hi - 1];
    double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    int i = lo, j = hi - 1;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        double t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      intro_sort(v, lo, j + 1, depth);
      lo = i;
    } else {
      intro_sort(v, i, hi, depth);
      hi = j + 1;
    }
  }
  insertion_sort(v, lo, hi);
}

static void sort_run(double *v, int lo, int hi) {
  if (hi - lo <= 32) insertion_sort(v, lo, hi);
  else intro_sort(v, lo, hi, 2 * (32 - __builtin_clz((unsigned)(hi - lo))));
}

/*
 * At most this many buckets (2^17: eight samples a bucket up to 10^6 samples, as before): beyond
 * it the bucket counters outgrow the cache and every count and scatter missed it. At 10^7
 * samples the split took 0.9 s with 1.25 million buckets, 0.65 s with 2^17 of ~76 samples.
 */
#define MAX_BUCKETS (1 << 17)

/* 1 for a positive, 0 for a negative, 2 for a sample to skip. */
static inline int code_of(int32_t y, int32_t positive, int has_negative, int32_t negative, int has_ignore, int32_t ignore) {
  if (has_ignore && y == ignore) return 2;
  if (y == positive) return 1;
  return !has_negative || y == negative ? 0 : 2;
}


/*
 * The first pass of both splits: each sample's code (1 positive, 0 negative, 2 skipped, as are
 * samples of weight 0 when `weights` is given), and the kept samples' range and count.
 */
static int classify(const double *scores, const int32_t *labels, const double *weights, int rows, int32_t positive, int has_negative,
                    int32_t negative, int has_ignore, int32_t ignore, uint8_t *codes, double *lo_out, double *hi_out) {
  double lo = __builtin_inf(), hi = -__builtin_inf();
  int kept = 0;
  for (int i = 0; i < rows; i++) {
    int code = weights && !(weights[i] > 0.0) ? 2 : code_of(labels[i], positive, has_negative, negative, has_ignore, ignore);
    codes[i] = (uint8_t)code;
    if (code > 1) continue;
    double v = scores[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    kept++;
  }
  *lo_out = lo;
  *hi_out = hi;
  return kept;
}

/*
 * How many buckets, linear in the score over [lo, hi], about eight kept samples each and at most
 * MAX_BUCKETS (one when every score is equal or the range overflows); their counters zeroed.
 */
static int bucket_plan(int kept, double lo, double hi, double *scale_out, int32_t *ends) {
  int buckets = kept >> 3;
  if (buckets > MAX_BUCKETS) buckets = MAX_BUCKETS;
  if (buckets < 1) buckets = 1;
  double scale = hi > lo ? (double)(buckets - 1) / (hi - lo) : 0.0;
  if (!(scale > 0.0 && scale < __builtin_inf())) {
    buckets = 1;
    scale = 0.0;
  }
  for (int k = 0; k < 2 * buckets; k++) ends[k] = 0;
  *scale_out = scale;
  return buckets;
}

/*
 * Per-bucket counts of positives and negatives (interleaved) turned into where each bucket's run
 * starts: positives from 0, negatives after every positive. Returns the positives.
 */
static int bucket_starts(int32_t *ends, int buckets) {
  int positives = 0;
  for (int k = 0; k < buckets; k++) positives += ends[2 * k];
  int pos_start = 0, neg_start = positives;
  for (int k = 0; k < buckets; k++) {
    int pc = ends[2 * k], nc = ends[2 * k + 1];
    ends[2 * k] = pos_start;
    ends[2 * k + 1] = neg_start;
    pos_start += pc;
    neg_start += nc;
  }
  return positives;
}

/*
 * Past 2^20 samples, an LSD radix sort replaces the buckets: the keys (each double's bits made
 * order-preserving) are sorted 11 bits a pass, every pass reading in order and writing to 2048
 * streams, which the cache holds; a digit every key shares costs no pass. The Mann-Whitney count
 * is then one merge of the two sorted classes.
 */
#define RADIX_MIN (1 << 20)
typedef uint64_t __attribute__((may_alias)) key_t64;
static uint32_t histograms[6 * 2048];

static inline uint64_t key_of(double v) {
  uint64_t b;
  __builtin_memcpy(&b, &v, 8);
  return (b >> 63) ? ~b : (b | 0x8000000000000000ULL);
}

static inline double value_of(uint64_t k) {
  uint64_t b = (k >> 63) ? (k & 0x7fffffffffffffffULL) : ~k;
  double v;
  __builtin_memcpy(&v, &b, 8);
  return v;
}

static void radix_sort_keys(key_t64 *keys, key_t64 *tmp, int n) {
  for (int i = 0; i < 6 * 2048; i++) histograms[i] = 0;
  for (int i = 0; i < n; i++) {
    uint64_t k = keys[i];
    for (int p = 0; p < 6; p++) histograms[p * 2048 + (int)((k >> (11 * p)) & 2047)]++;
  }
  key_t64 *src = keys, *dst = tmp;
  for (int p = 0; p < 6; p++) {
    uint32_t *h = histograms + p * 2048;
    int trivial = 0;
    for (int d = 0; d < 2048; d++) {
      if (h[d] == (uint32_t)n) {
        trivial = 1;
        break;
      }
    }
    if (trivial) continue;
    uint32_t sum = 0;
    for (int d = 0; d < 2048; d++) {
      uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    int shift = 11 * p;
    for (int i = 0; i < n; i++) {
      uint64_t k = src[i];
      dst[h[(int)((k >> shift) & 2047)]++] = k;
    }
    key_t64 *t = src;
    src = dst;
    dst = t;
  }
  if (src != keys) for (int i = 0; i < n; i++) keys[i] = src[i];
}

/* split_sorted for `kept` > RADIX_MIN: `scores` (the caller's copy) is reused as scratch. */
static double split_radix(double *scores, int rows, const uint8_t *codes, double *values, int32_t *counts, int kept) {
  int positives = 0;
  for (int i = 0; i < rows; i++) positives += codes[i] == 1;
  key_t64 *keys = (key_t64 *)values;
  int a = 0, b = positives;
  for (int i = 0; i < rows; i++) {
    int code = codes[i];
    if (code > 1) continue;
    uint64_t k = key_of(scores[i]);
    if (code == 1) keys[a++] = k;
    else keys[b++] = k;
  }
  radix_sort_keys(keys, (key_t64 *)scores, positives);
  radix_sort_keys(keys + positives, (key_t64 *)scores, kept - positives);
  for (int i = 0; i < kept; i++) values[i] = value_of(keys[i]);
  double twice = 0.0;
  int j = positives;
  for (int i = 0; i < positives;) {
    double v = values[i];
    int g = i + 1;
    while (g < positives && values[g] == v) g++;
    while (j < kept && values[j] < v) j++;
    int t = j;
    while (t < kept && values[t] == v) t++;
    twice += (double)(g - i) * (2.0 * (j - positives) + (t - j));
    i = g;
  }
  counts[0] = positives;
  counts[1] = kept - positives;
  return twice;
}

/*
 * scores[i], labels[i] for i < rows: a label equal to `positive` is a positive; equal to
 * `negative` (or, without has_negative, any other) a negative; equal to `ignore` (with has_ignore)
 * or neither, skipped.
 * Writes the positives sorted at values[0 .. P) and the negatives at values[P .. P + N), P and N
 * to counts[0] and counts[1]; `ends` needs room for 2 * max(1, kept / 8) integers. Returns twice
 * the Mann-Whitney U (pairs ranked right count 2, ties 1): exact below 2^53.
 */
double split_sorted(const double *scores, const int32_t *labels, int rows, int32_t positive, int has_negative, int32_t negative,
                    int has_ignore, int32_t ignore, uint8_t *codes, double *values, int32_t *ends, int32_t *counts) {
  double lo, hi, scale;
  int kept = classify(scores, labels, 0, rows, positive, has_negative, negative, has_ignore, ignore, codes, &lo, &hi);
  if (kept > RADIX_MIN) return split_radix((double *)scores, rows, codes, values, counts, kept);
  int buckets = bucket_plan(kept, lo, hi, &scale, ends);
  /* Without skipped samples (the usual case) the loops need no test. */
  int skips = kept < rows;
  if (skips) {
    for (int i = 0; i < rows; i++) {
      int code = codes[i];
      if (code > 1) continue;
      ends[2 * (int)((scores[i] - lo) * scale) + (1 - code)]++;
    }
  } else {
    for (int i = 0; i < rows; i++) ends[2 * (int)((scores[i] - lo) * scale) + (1 - (int)codes[i])]++;
  }
  int positives = bucket_starts(ends, buckets);
  if (skips) {
    for (int i = 0; i < rows; i++) {
      int code = codes[i];
      if (code > 1) continue;
      double v = scores[i];
      values[ends[2 * (int)((v - lo) * scale) + (1 - code)]++] = v;
    }
  } else {
    for (int i = 0; i < rows; i++) {
      double v = scores[i];
      values[ends[2 * (int)((v - lo) * scale) + (1 - (int)codes[i])]++] = v;
    }
  }

  double twice = 0.0, neg_below = 0.0;
  int a = 0, b = positives;
  for (int k = 0; k < buckets; k++) {
    int pe = ends[2 * k], ne = ends[2 * k + 1];
    if (pe - a > 1) sort_run(values, a, pe);
    if (ne - b > 1) sort_run(values, b, ne);
    int pc = pe - a, nc = ne - b;
    if (pc > 0) {
      twice += 2.0 * pc * neg_below;
      if (nc > 0) {
        /* Runs of equal positives are counted once, so heavy ties stay linear. */
        int j = b, i = a;
        while (i < pe) {
          double v = values[i];
          int g = i + 1;
          while (g < pe && values[g] == v) g++;
          while (j < ne && values[j] < v) j++;
          int t = j;
          while (t < ne && values[t] == v) t++;
          twice += (double)(g - i) * (2.0 * (j - b) + (t - j));
          i = g;
        }
      }
    }
    neg_below += nc;
    a = pe;
    b = ne;
  }
  counts[0] = positives;
  counts[1] = kept - positives;
  return twice;
}

/* Pairs (value, weight) ordered by value: insertion sort for short runs, heapsort past 32. */
static void insertion_sort_pairs(double *v, double *w, int lo, int hi) {
  for (int i = lo + 1; i < hi; i++) {
    double x = v[i], y = w[i];
    int j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      w[j + 1] = w[j];
      j--;
    }
    v[j + 1] = x;
    w[j + 1] = y;
  }
}

static void sift_down_pairs(double *v, double *w, int lo, int root, int n) {
  for (;;) {
    int child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && v[lo + child] < v[lo + child + 1]) child++;
    if (!(v[lo + root] < v[lo + child])) return;
    double t = v[lo + root], u = w[lo + root];
    v[lo + root] = v[lo + child];
    w[lo + root] = w[lo + child];
    v[lo + child] = t;
    w[lo + child] = u;
    root = child;
  }
}

static void sort_pairs(double *v, double *w, int lo, int hi) {
  int n = hi - lo;
  if (n <= 32) {
    insertion_sort_pairs(v, w, lo, hi);
    return;
  }
  for (int i = n / 2 - 1; i >= 0; i--) sift_down_pairs(v, w, lo, i, n);
  for (int end = n - 1; end > 0; end--) {
    double t = v[lo], u = w[lo];
    v[lo] = v[lo + end];
    w[lo] = w[lo + end];
    v[lo + end] = t;
    w[lo + end] = u;
    sift_down_pairs(v, w, lo, 0, end);
  }
}

/*
 * split_sorted with a weight per sample (scikit-learn's sample_weight): samples of weight 0 are
 * dropped (a score only they hold is no threshold), the others split and sorted as by
 * split_sorted, each value with its weight (values/wvalues, positives then negatives). Returns
 * twice the weighted Mann-Whitney U (Σ over positive-negative pairs of w_p·w_n, 2 when the
 * positive scores higher, 1 when tied); the summed weights of the positives and of the
 * negatives go to sums[0] and sums[1]. Same bucket scatter; a crowded bucket is finished by a
 * heapsort of pairs, so the worst case stays O(n log n).
 */
double split_sorted_weighted(const double *scores, const int32_t *labels, const double *weights, int rows, int32_t positive,
                             int has_negative, int32_t negative, int has_ignore, int32_t ignore, uint8_t *codes, double *values,
                             double *wvalues, int32_t *ends, int32_t *counts, double *sums) {
  double lo, hi, scale;
  int kept = classify(scores, labels, weights, rows, positive, has_negative, negative, has_ignore, ignore, codes, &lo, &hi);
  int buckets = bucket_plan(kept, lo, hi, &scale, ends);
  for (int i = 0; i < rows; i++) {
    int code = codes[i];
    if (code > 1) continue;
    ends[2 * (int)((scores[i] - lo) * scale) + (1 - code)]++;
  }
  int positives = bucket_starts(ends, buckets);
  for (int i = 0; i < rows; i++) {
    int code = codes[i];
    if (code > 1) continue;
    double v = scores[i];
    int at = ends[2 * (int)((v - lo) * scale) + (1 - code)]++;
    values[at] = v;
    wvalues[at] = weights[i];
  }
  double twice = 0.0, neg_below = 0.0, pos_total = 0.0;
  int a = 0, b = positives;
  for (int k = 0; k < buckets; k++) {
    int pe = ends[2 * k], ne = ends[2 * k + 1];
    if (pe - a > 1) sort_pairs(values, wvalues, a, pe);
    if (ne - b > 1) sort_pairs(values, wvalues, b, ne);
    /* Negatives of this bucket below (and tied with) each run of equal positives. */
    double neg_run_below = 0.0;
    int j = b;
    int i = a;
    while (i < pe) {
      double v = values[i];
      double wp = 0.0;
      while (i < pe && values[i] == v) wp += wvalues[i++];
      while (j < ne && values[j] < v) neg_run_below += wvalues[j++];
      double tied = 0.0;
      for (int t = j; t < ne && values[t] == v; t++) tied += wvalues[t];
      twice += wp * (2.0 * (neg_below + neg_run_below) + tied);
      pos_total += wp;
    }
    for (int t = b; t < ne; t++) neg_below += wvalues[t];
    a = pe;
    b = ne;
  }
  counts[0] = positives;
  counts[1] = kept - positives;
  sums[0] = pos_total;
  sums[1] = neg_below;
  return twice;
}

/*
 * Average precision of a split (positives values[0 .. P), negatives values[P .. P + N), each
 * ascending), as src/kernels/average-precision.ts computes it from the same arrays: merged from
 * the top, Σ (Δtp / P) · tp / (tp + fp) at each threshold where tp grows, summed with Neumaier's
 * compensation in the same order, so the same double. Exported for the caller to run right after
 * split_sorted, while the sorted values are still in memory.
 */
double average_precision_sorted(const double *values, int positives, int negatives) {
  if (positives == 0) return -1.0;
  double sum = 0.0, compensation = 0.0, tp = 0.0, fp = 0.0, p = (double)positives;
  int i = positives - 1, j = positives + negatives - 1;
  while (i >= 0 || j >= positives) {
    double v = (j < positives || (i >= 0 && values[i] >= values[j])) ? values[i] : values[j];
    double before = tp;
    while (i >= 0 && values[i] == v) {
      tp += 1.0;
      i--;
    }
    while (j >= positives && values[j] == v) {
      fp += 1.0;
      j--;
    }
    if (tp != before) {
      double term = ((tp - before) / p) * (tp / (tp + fp));
      double t = sum + term;
      if (__builtin_fabs(sum) >= __builtin_fabs(term)) compensation += sum - t + term;
      else compensation += term - t + sum;
      sum = t;
    }
  }
  return sum + compensation;
}
