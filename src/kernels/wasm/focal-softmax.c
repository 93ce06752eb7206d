/*
 * Multiclass softmax focal loss and its gradient, compiled to WebAssembly with SIMD
 * (scripts/build-wasm.sh). Same mathematics as focalLossSoftmax in ../focal-loss.ts, which stays
 * the readable reference and is the oracle of test/kernels/focal-loss-wasm.test.ts:
 *
 *   FL = -a_y (1 - q)^g log q,  q = softmax(z)_y
 *   dFL/dz_j = a_y (p_j - [j = y]) ((1 - q)^g - g q (1 - q)^(g-1) log q)
 *
 * exp and log are fdlibm's algorithms (< 1 ulp); exp runs on two lanes at a time. Nothing cancels
 * near q = 1: 1 - q is the sum of the other classes' exponentials over the total, log q is
 * -log1p(sum_{j != y} e^(z_j - z_y)) when q >= 1/2, and the target's gradient is -(1 - q) times
 * the common factor instead of (q - 1) computed by subtraction.
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef union { double d; uint64_t u; } bits;

static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10,
                    INV_LN2 = 1.44269504088896338700e+00, SHIFTER = 6755399441055744.0; /* 1.5 * 2^52 */
static const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                    P5 = 4.13813679705723846039e-08;

/* fdlibm e_exp.c, for any x. */
static inline double exp_scalar(double x) {
  if (x < -745.2) return 0.0;
  if (x > 709.78) return __builtin_inf();
  double kf = __builtin_rint(x * INV_LN2);
  int k = (int)kf;
  double hi = x - kf * LN2_HI, lo = kf * LN2_LO, r = hi - lo, t = r * r;
  double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  bits b = {.d = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)};
  if (k >= -1021) {
    b.u += (uint64_t)(int64_t)k << 52;
    return b.d;
  }
  b.u += (uint64_t)(int64_t)(k + 1000) << 52;
  return b.d * 9.33263618503218878990e-302; /* 2^-1000 */
}

/* The same on two lanes, for -708 <= x <= 709 (the caller checks). */
static inline v128_t exp_pair(v128_t x) {
  v128_t t = wasm_f64x2_add(wasm_f64x2_mul(x, wasm_f64x2_splat(INV_LN2)), wasm_f64x2_splat(SHIFTER));
  v128_t kf = wasm_f64x2_sub(t, wasm_f64x2_splat(SHIFTER));
  v128_t hi = wasm_f64x2_sub(x, wasm_f64x2_mul(kf, wasm_f64x2_splat(LN2_HI)));
  v128_t lo = wasm_f64x2_mul(kf, wasm_f64x2_splat(LN2_LO));
  v128_t r = wasm_f64x2_sub(hi, lo), tt = wasm_f64x2_mul(r, r);
  v128_t p = wasm_f64x2_add(wasm_f64x2_splat(P4), wasm_f64x2_mul(tt, wasm_f64x2_splat(P5)));
  p = wasm_f64x2_add(wasm_f64x2_splat(P3), wasm_f64x2_mul(tt, p));
  p = wasm_f64x2_add(wasm_f64x2_splat(P2), wasm_f64x2_mul(tt, p));
  p = wasm_f64x2_add(wasm_f64x2_splat(P1), wasm_f64x2_mul(tt, p));
  v128_t c = wasm_f64x2_sub(r, wasm_f64x2_mul(tt, p));
  v128_t rc = wasm_f64x2_div(wasm_f64x2_mul(r, c), wasm_f64x2_sub(wasm_f64x2_splat(2.0), c));
  v128_t y = wasm_f64x2_sub(wasm_f64x2_splat(1.0), wasm_f64x2_sub(wasm_f64x2_sub(lo, rc), hi));
  return wasm_i64x2_add(y, wasm_i64x2_shl(t, 52)); /* the low bits of t hold k */
}

/* fdlibm e_log.c, for finite x > 0. */
static const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
                    LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
                    LG7 = 1.479819860511658591e-01;
static double log_scalar(double x) {
  bits b = {.d = x};
  int k = 0;
  if (b.u < 0x0010000000000000ULL) { /* subnormal */
    b.d *= 18014398509481984.0;    /* 2^54 */
    k -= 54;
  }
  uint32_t hx = (uint32_t)(b.u >> 32);
  k += (int)(hx >> 20) - 1023;
  hx &= 0x000fffff;
  uint32_t i = (hx + 0x95f64) & 0x100000;
  b.u = ((uint64_t)(hx | (i ^ 0x3ff00000)) << 32) | (b.u & 0xffffffffULL);
  k += (int)(i >> 20);
  double f = b.d - 1.0, dk = (double)k;
  double hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
  double t1 = w * (LG2 + w * (LG4 + w * LG6)), t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  double R = t2 + t1;
  return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
}

/* log(1 + x) for x >= 0, with the relative accuracy of log near 1 (Goldberg 1991, "What every
 * computer scientist should know about floating-point arithmetic", theorem 4). */
static double log1p_scalar(double x) {
  double u = 1.0 + x;
  return u == 1.0 ? x : log_scalar(u) * (x / (u - 1.0));
}

static inline double pow_gamma(double x, double gamma, int integer_gamma) {
  if (integer_gamma >= 0) {
    double r = 1.0;
    for (int k = 0; k < integer_gamma; k++) r *= x;
    return r;
  }
  return x > 0.0 ? exp_scalar(gamma * log_scalar(x)) : 0.0;
}

/*
 * Returns the sum of the losses of contributing rows (compensated). Rows whose label equals
 * `ignore` (when has_ignore) contribute nothing: their gradient and loss are 0. grad (rows x C)
 * and losses (rows) may be null (0); grad may be z itself, each row being read before written.
 */
double focal_softmax(const double *z, const int32_t *labels, int rows, int C, const double *weights, double gamma,
                     int has_ignore, int ignore, double scale, double *grad, double *losses, double *scratch) {
  int integer_gamma = (gamma == __builtin_floor(gamma) && gamma <= 8.0) ? (int)gamma : -1;
  double total = 0.0, comp = 0.0;
  double *e = scratch; /* C values, 16-byte aligned */
  v128_t limit = wasm_f64x2_splat(-708.0);
  for (int i = 0; i < rows; i++) {
    int y = labels[i];
    if (has_ignore && y == ignore) {
      if (grad)
        for (int j = 0; j < C; j++) grad[(long)i * C + j] = 0.0;
      if (losses) losses[i] = 0.0;
      continue;
    }
    const double *row = z + (long)i * C;
    double mx = row[0];
    for (int j = 1; j < C; j++) mx = row[j] > mx ? row[j] : mx;
    v128_t m = wasm_f64x2_splat(mx), acc = wasm_f64x2_splat(0.0);
    int j = 0;
    for (; j + 1 < C; j += 2) {
      v128_t d = wasm_f64x2_sub(wasm_v128_load(row + j), m);
      v128_t ev = wasm_i64x2_bitmask(wasm_f64x2_lt(d, limit))
                      ? wasm_f64x2_make(exp_scalar(wasm_f64x2_extract_lane(d, 0)), exp_scalar(wasm_f64x2_extract_lane(d, 1)))
                      : exp_pair(d);
      wasm_v128_store(e + j, ev);
      acc = wasm_f64x2_add(acc, ev);
    }
    double s = wasm_f64x2_extract_lane(acc, 0) + wasm_f64x2_extract_lane(acc, 1);
    for (; j < C; j++) {
      e[j] = exp_scalar(row[j] - mx);
      s += e[j];
    }
    double others = 0.0;
    for (j = 0; j < C; j++) others += j == y ? 0.0 : e[j];
    double q = e[y] / s, one_minus_q = others / s;
    double logq = others <= e[y] ? -log1p_scalar(others / e[y]) : (row[y] - mx) - log_scalar(s);
    double modulator = pow_gamma(one_minus_q, gamma, integer_gamma);
    double weight = weights[y];
    double loss = -weight * modulator * logq;
    double t = total + loss;
    comp += __builtin_fabs(total) >= __builtin_fabs(loss) ? (total - t) + loss : (loss - t) + total; /* Neumaier */
    total = t;
    if (losses) losses[i] = loss;
    if (!grad) continue;
    /* g (1 - q)^(g-1) log q, continued to its limit 0 at q = 1 */
    double focus_over_q = gamma == 0.0 ? 0.0 : gamma * modulator * (one_minus_q > 0.0 ? logq / one_minus_q : -1.0);
    /* q log q -> 0 as q -> 0: taken as 0 where q underflows and log q does not (gaps past 1e308) */
    double factor = weight * scale * (modulator - (q > 0.0 ? q * focus_over_q : 0.0));
    double per = factor / s;
    double *g = grad + (long)i * C;
    v128_t pv = wasm_f64x2_splat(per);
    for (j = 0; j + 1 < C; j += 2) wasm_v128_store(g + j, wasm_f64x2_mul(pv, wasm_v128_load(e + j)));
    for (; j < C; j++) g[j] = per * e[j];
    g[y] = -factor * one_minus_q; /* (q - 1) factor, without the cancellation */
  }
  return total - total == 0.0 ? total + comp : total; /* an overflowed total stays inf (comp is inf - inf) */
}
