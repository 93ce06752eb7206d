/*
 * The update stage of every exact ranking metric, compiled to WebAssembly
 * (scripts/build-wasm.sh): split one class's scores into positives and negatives, each sorted
 * ascending, and count the Mann-Whitney statistic (and, unweighted, the average precision) on the
 * way. Wrapped by ../class-split.ts and tested against the engine's sort, a naive pair count and
 * the average precision of the exact counts in test/kernels/.
 *
 * The split and the first level of a distribution sort are one scatter: buckets linear in the
 * score between its minimum and maximum, positives and negatives of a bucket counted side by side.
 * Rounded subtraction and multiplication are monotone, so bucket order is value order. The
 * unweighted split then visits the buckets from the top: a second distribution pass sorts each
 * bucket's runs while they sit in cache, and one walk down them counts U and AP. Crowded buckets
 * (skewed scores) are finished by an introsort (heapsort for pairs), so the worst case stays
 * O(n log n).
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
 * At most this many first-level buckets. The weighted split finishes buckets of about eight
 * samples by insertion sort up to 2^17 buckets (10^6 samples): beyond it the counters outgrow the
 * cache and every count and scatter missed it (10^7 samples: 0.9 s with 1.25 million buckets).
 * The unweighted split stops at 2^10 buckets (2,048 write streams, which the TLB and cache
 * follow, where 2^13 buckets' 16,384 streams missed them) and sorts each bucket by a second
 * distribution pass: 10^7 samples split in ~0.4 s where 2^17 buckets and an LSD radix sort
 * took ~0.6 s, and 10^6 in the same ~40 ms as before.
 */
#define MAX_BUCKETS_WEIGHTED (1 << 17)
#define MAX_BUCKETS (1 << 10)

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
 * `cap` (one when every score is equal or the range overflows); their counters zeroed.
 */
static int bucket_plan(int kept, double lo, double hi, int cap, double *scale_out, int32_t *ends) {
  int buckets = kept >> 3;
  if (buckets > cap) buckets = cap;
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
 * A bucket's run v[lo .. hi), sorted by one more distribution pass through `scratch` (room for
 * hi - lo values): sub-buckets linear between the run's minimum and maximum, about four samples
 * each and at most SPREAD_MAX (their counters stay in the first-level cache), each finished by
 * sort_run: insertion sort, or the introsort for a crowded one.
 */
#define SPREAD_MAX (1 << 13)
static int32_t spread_ends[SPREAD_MAX + 1];

static void spread_sort(double *v, int lo, int hi, double *scratch) {
  int m = hi - lo;
  if (m <= 32) {
    insertion_sort(v, lo, hi);
    return;
  }
  double mn = v[lo], mx = v[lo];
  for (int i = lo + 1; i < hi; i++) {
    double x = v[i];
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  if (!(mx > mn)) return;
  int b = m >> 2;
  if (b > SPREAD_MAX) b = SPREAD_MAX;
  double scale = (double)(b - 1) / (mx - mn);
  if (!(scale > 0.0 && scale < __builtin_inf())) {
    sort_run(v, lo, hi);
    return;
  }
  for (int k = 0; k <= b; k++) spread_ends[k] = 0;
  for (int i = lo; i < hi; i++) spread_ends[(int)((v[i] - mn) * scale) + 1]++;
  for (int k = 0; k < b; k++) spread_ends[k + 1] += spread_ends[k];
  for (int i = lo; i < hi; i++) {
    double x = v[i];
    scratch[spread_ends[(int)((x - mn) * scale)]++] = x;
  }
  /* spread_ends[k] is now where sub-bucket k ends. */
  int start = 0;
  for (int k = 0; k < b; k++) {
    int end = spread_ends[k];
    if (end - start > 1) sort_run(scratch, start, end);
    start = end;
  }
  for (int i = 0; i < m; i++) v[lo + i] = scratch[i];
}

/*
 * The running counts of a walk down sorted scores: twice the Mann-Whitney U, tp and fp (positives
 * and negatives >= the current score), average precision's Neumaier sum and its compensation, and
 * the class's positives p and negatives n.
 */
struct walk {
  double twice, tp, fp, sum, compensation, p, n;
};

/*
 * Walks the sorted runs values[a, pe) (positives) and values[b, ne) (negatives) from the top, one
 * distinct score v at a time while positives remain: tp and fp count the elements >= v; each
 * positive at v outranks the negatives below v and ties those at v (twice U), and adds its
 * precision term to average precision. Returns where the negatives' walk stopped (the negatives
 * left below the lowest positive are the caller's to count).
 */
static int walk_runs(const double *values, int a, int pe, int b, int ne, struct walk *w) {
  int i = pe - 1, j = ne - 1;
  while (i >= a) {
    double v = values[i];
    if (j >= b && values[j] > v) v = values[j];
    double tp_before = w->tp, fp_before = w->fp;
    while (i >= a && values[i] == v) {
      w->tp += 1.0;
      i--;
    }
    while (j >= b && values[j] == v) {
      w->fp += 1.0;
      j--;
    }
    if (w->tp == tp_before) continue;
    w->twice += (w->tp - tp_before) * (2.0 * (w->n - w->fp) + (w->fp - fp_before));
    double term = ((w->tp - tp_before) / w->p) * (w->tp / (w->tp + w->fp));
    double t = w->sum + term;
    if (__builtin_fabs(w->sum) >= __builtin_fabs(term)) w->compensation += w->sum - t + term;
    else w->compensation += term - t + w->sum;
    w->sum = t;
  }
  return j;
}

/*
 * scores[i], labels[i] for i < rows: a label equal to `positive` is a positive; equal to
 * `negative` (or, without has_negative, any other) a negative; equal to `ignore` (with has_ignore)
 * or neither, skipped.
 * Writes the positives sorted at values[0 .. P) and the negatives at values[P .. P + N), P and N
 * to counts[0] and counts[1], and the average precision to *average_precision (-1 without
 * positives); `ends` needs room for 2 * max(1, kept / 8) integers, and `scores` (the caller's
 * copy) is overwritten as scratch. Returns twice the Mann-Whitney U (pairs ranked right count 2,
 * ties 1): exact below 2^53.
 *
 * The average precision is src/kernels/average-precision.ts's averagePrecisionFromCounts of the
 * exact counts, term for term: from the top, at each threshold where tp grows,
 * (Δtp / P) · tp / (tp + fp), summed with Neumaier's compensation in the same order, so the same
 * double.
 */
double split_sorted(double *scores, const int32_t *labels, int rows, int32_t positive, int has_negative, int32_t negative,
                    int has_ignore, int32_t ignore, uint8_t *codes, double *values, int32_t *ends, int32_t *counts,
                    double *average_precision) {
  double lo, hi, scale;
  int kept = classify(scores, labels, 0, rows, positive, has_negative, negative, has_ignore, ignore, codes, &lo, &hi);
  int buckets = bucket_plan(kept, lo, hi, MAX_BUCKETS, &scale, ends);
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

  /*
   * From the top bucket down: each bucket's two runs sorted while in cache, then walked from the
   * top one distinct score v at a time, tp and fp counting the positives and negatives >= v.
   */
  struct walk w = {0.0, 0.0, 0.0, 0.0, 0.0, (double)positives, (double)(kept - positives)};
  for (int k = buckets - 1; k >= 0; k--) {
    int a = k > 0 ? ends[2 * k - 2] : 0, pe = ends[2 * k];
    int b = k > 0 ? ends[2 * k - 1] : positives, ne = ends[2 * k + 1];
    if (pe - a > 1) spread_sort(values, a, pe, scores);
    if (ne - b > 1) spread_sort(values, b, ne, scores);
    int j = walk_runs(values, a, pe, b, ne, &w);
    w.fp += (double)(j - b + 1);
  }
  counts[0] = positives;
  counts[1] = kept - positives;
  *average_precision = positives > 0 ? w.sum + w.compensation : -1.0;
  return w.twice;
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
  int buckets = bucket_plan(kept, lo, hi, MAX_BUCKETS_WEIGHTED, &scale, ends);
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
 * merge_splits: the split of a class over the union of disjoint sets of rows, from each set's
 * split (split_sorted of each): R runs of sorted positives, run r at pos[pos_starts[r] ..
 * pos_starts[r + 1]), and R runs of sorted negatives likewise. Writes the merged positives at
 * values[0 .. P) and the merged negatives at values[P .. P + N) (the arrays split_sorted writes
 * for all the rows), the average precision to *average_precision (-1 without positives), and
 * returns twice the Mann-Whitney U, both counted in split_sorted's walk over one run of each, so
 * the same numbers. `heap` and `at` need room for R integers each.
 */
static inline int run_before(const double *in, const int32_t *at, int32_t a, int32_t b) {
  double x = in[at[a]], y = in[at[b]];
  return x < y || (x == y && a < b);
}

static void sift_runs(const double *in, const int32_t *at, int32_t *heap, int size, int i) {
  for (;;) {
    int l = 2 * i + 1;
    if (l >= size) return;
    int c = l + 1 < size && run_before(in, at, heap[l + 1], heap[l]) ? l + 1 : l;
    if (!run_before(in, at, heap[c], heap[i])) return;
    int32_t t = heap[c];
    heap[c] = heap[i];
    heap[i] = t;
    i = c;
  }
}

/* The runs merged into out, ascending: a k-way merge through a heap of the runs' heads. */
static void merge_runs(const double *in, const int32_t *starts, int runs, double *out, int32_t *heap, int32_t *at) {
  int size = 0;
  for (int r = 0; r < runs; r++) {
    at[r] = starts[r];
    if (starts[r] < starts[r + 1]) heap[size++] = r;
  }
  for (int i = size / 2 - 1; i >= 0; i--) sift_runs(in, at, heap, size, i);
  int k = 0;
  while (size > 0) {
    int32_t r = heap[0];
    out[k++] = in[at[r]++];
    if (at[r] == starts[r + 1]) heap[0] = heap[--size];
    if (size > 1) sift_runs(in, at, heap, size, 0);
  }
}

double merge_splits(const double *pos, const int32_t *pos_starts, const double *neg, const int32_t *neg_starts, int runs, double *values,
                    int32_t *heap, int32_t *at, double *average_precision) {
  int positives = pos_starts[runs], negatives = neg_starts[runs];
  merge_runs(pos, pos_starts, runs, values, heap, at);
  merge_runs(neg, neg_starts, runs, values + positives, heap, at);
  /* split_sorted's walk, over one bucket holding every value. */
  struct walk w = {0.0, 0.0, 0.0, 0.0, 0.0, (double)positives, (double)negatives};
  walk_runs(values, 0, positives, positives, positives + negatives, &w);
  *average_precision = positives > 0 ? w.sum + w.compensation : -1.0;
  return w.twice;
}
