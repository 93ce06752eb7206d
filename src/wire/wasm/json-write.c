/*
 * Tensors as JSON text, compiled to WebAssembly (scripts/build-wasm.sh): nested arrays of
 * numbers written exactly as JSON.stringify writes them, for the response direction. Wrapped by
 * ../json-write.ts; tested against JSON.stringify in test/json-write.test.ts.
 *
 * Each double is written as ECMAScript's Number::toString does: the fewest significant digits
 * that read back as the same double, the closest such digits to it, ties to even (Ryu: Adams,
 * "Ryū: Fast Float-to-String Conversion", PLDI 2018), laid out in plain or exponent notation by
 * the same rules; -0 is "0", and NaN or ±Infinity (never in a response) "null".
 */
#include <stdint.h>
#include "mul64.h"
#include "ryu-table.h"

/* (m * mul) >> j for a 128-bit multiplier {low, high}, 64 <= j < 192. */
static uint64_t mul_shift(uint64_t m, const uint64_t *mul, int32_t j) {
  uint64_t high0, low0, high1, low1;
  mul64(m, mul[0], &high0, &low0);
  mul64(m, mul[1], &high1, &low1);
  uint64_t sum = high0 + low1;
  if (sum < high0) high1++;
  int32_t shift = j - 64;
  return shift == 0 ? sum : shift < 64 ? (high1 << (64 - shift)) | (sum >> shift) : high1 >> (shift - 64);
}

static inline uint32_t pow5_bits(int32_t e) { return (uint32_t)(((uint32_t)e * 1217359) >> 19) + 1; }
static inline uint32_t log10_pow2(int32_t e) { return ((uint32_t)e * 78913) >> 18; }
static inline uint32_t log10_pow5(int32_t e) { return ((uint32_t)e * 732923) >> 20; }

static inline int multiple_of_pow5(uint64_t value, uint32_t p) {
  uint32_t count = 0;
  while (value % 5 == 0) value /= 5, count++;
  return count >= p;
}

static inline int multiple_of_pow2(uint64_t value, uint32_t p) { return (value & ((1ull << p) - 1)) == 0; }

/* The shortest decimal of a positive finite double: digits * 10^exponent (Ryu's d2d). */
static uint64_t shortest(uint64_t ieee_mantissa, uint32_t ieee_exponent, int32_t *exponent) {
  int32_t e2;
  uint64_t m2;
  if (ieee_exponent == 0) {
    e2 = 1 - 1023 - 52 - 2;
    m2 = ieee_mantissa;
  } else {
    e2 = (int32_t)ieee_exponent - 1023 - 52 - 2;
    m2 = (1ull << 52) | ieee_mantissa;
  }
  int accept_bounds = (m2 & 1) == 0;
  uint64_t mv = 4 * m2;
  uint32_t mm_shift = ieee_mantissa != 0 || ieee_exponent <= 1;
  uint64_t vr, vp, vm;
  int32_t e10;
  int vm_trailing_zeros = 0, vr_trailing_zeros = 0;
  if (e2 >= 0) {
    uint32_t q = log10_pow2(e2) - (e2 > 3);
    e10 = (int32_t)q;
    int32_t k = POW5_INV_BITCOUNT + (int32_t)pow5_bits((int32_t)q) - 1;
    int32_t i = -e2 + (int32_t)q + k;
    vr = mul_shift(4 * m2, pow5_inv_split[q], i);
    vp = mul_shift(4 * m2 + 2, pow5_inv_split[q], i);
    vm = mul_shift(4 * m2 - 1 - mm_shift, pow5_inv_split[q], i);
    if (q <= 21) {
      if (mv % 5 == 0) vr_trailing_zeros = multiple_of_pow5(mv, q);
      else if (accept_bounds) vm_trailing_zeros = multiple_of_pow5(mv - 1 - mm_shift, q);
      else vp -= multiple_of_pow5(mv + 2, q);
    }
  } else {
    uint32_t q = log10_pow5(-e2) - (-e2 > 1);
    e10 = (int32_t)q + e2;
    int32_t i = -e2 - (int32_t)q;
    int32_t k = (int32_t)pow5_bits(i) - POW5_BITCOUNT;
    int32_t j = (int32_t)q - k;
    vr = mul_shift(4 * m2, pow5_split[i], j);
    vp = mul_shift(4 * m2 + 2, pow5_split[i], j);
    vm = mul_shift(4 * m2 - 1 - mm_shift, pow5_split[i], j);
    if (q <= 1) {
      vr_trailing_zeros = 1;
      if (accept_bounds) vm_trailing_zeros = mm_shift == 1;
      else --vp;
    } else if (q < 63) {
      vr_trailing_zeros = multiple_of_pow2(mv, q);
    }
  }

  int32_t removed = 0;
  uint32_t last_removed = 0;
  uint64_t output;
  if (vm_trailing_zeros || vr_trailing_zeros) {
    while (vp / 10 > vm / 10) {
      vm_trailing_zeros &= vm % 10 == 0;
      vr_trailing_zeros &= last_removed == 0;
      last_removed = (uint32_t)(vr % 10);
      vr /= 10, vp /= 10, vm /= 10, removed++;
    }
    if (vm_trailing_zeros) {
      while (vm % 10 == 0) {
        vr_trailing_zeros &= last_removed == 0;
        last_removed = (uint32_t)(vr % 10);
        vr /= 10, vp /= 10, vm /= 10, removed++;
      }
    }
    if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0) last_removed = 4; /* exactly halfway: to even */
    output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5);
  } else {
    int round_up = 0;
    while (vp / 10 > vm / 10) {
      round_up = vr % 10 >= 5;
      vr /= 10, vp /= 10, vm /= 10, removed++;
    }
    output = vr + (vr == vm || round_up);
  }
  *exponent = e10 + removed;
  return output;
}

/* Writes one double as Number::toString does; returns the end. */
static char *write_number(char *out, double value) {
  union {
    double d;
    uint64_t u;
  } bits = {value};
  uint64_t mantissa = bits.u & ((1ull << 52) - 1);
  uint32_t ieee_exponent = (uint32_t)(bits.u >> 52) & 0x7FF;
  if (ieee_exponent == 0x7FF) {
    out[0] = 'n', out[1] = 'u', out[2] = 'l', out[3] = 'l';
    return out + 4;
  }
  if (ieee_exponent == 0 && mantissa == 0) {
    *out = '0';
    return out + 1;
  }
  if (bits.u >> 63) *out++ = '-';
  int32_t exponent;
  uint64_t digits = shortest(mantissa, ieee_exponent, &exponent);
  /* The digits, right-aligned in text[]: 32-bit divisions by constants (multiplications), the
   * one 64-bit division only for more than 8 digits. */
  char text[20];
  int k = 0;
  uint32_t low = (uint32_t)digits;
  if (digits >= 100000000) {
    uint64_t high = digits / 100000000;
    low = (uint32_t)(digits - high * 100000000);
    for (int i = 0; i < 8; i++, low /= 10) text[19 - k++] = (char)('0' + low % 10);
    low = (uint32_t)high;
  }
  for (; low != 0; low /= 10) text[19 - k++] = (char)('0' + low % 10);
  const char *s = text + 20 - k; /* the k significant digits */
  int n = exponent + k;          /* value = 0.s * 10^n */
  if (k <= n && n <= 21) {
    for (int i = 0; i < k; i++) *out++ = s[i];
    for (int i = k; i < n; i++) *out++ = '0';
  } else if (0 < n && n <= 21) {
    for (int i = 0; i < n; i++) *out++ = s[i];
    *out++ = '.';
    for (int i = n; i < k; i++) *out++ = s[i];
  } else if (-6 < n && n <= 0) {
    *out++ = '0', *out++ = '.';
    for (int i = n; i < 0; i++) *out++ = '0';
    for (int i = 0; i < k; i++) *out++ = s[i];
  } else {
    *out++ = s[0];
    if (k > 1) {
      *out++ = '.';
      for (int i = 1; i < k; i++) *out++ = s[i];
    }
    *out++ = 'e';
    int e = n - 1;
    *out++ = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    if (e >= 100) *out++ = (char)('0' + e / 100);
    if (e >= 10) *out++ = (char)('0' + e / 10 % 10);
    *out++ = (char)('0' + e % 10);
  }
  return out;
}

/*
 * Writes `values` (row-major, shape[0] x ... x shape[rank-1], rank 1 to 4) as nested JSON arrays
 * into `out`, which must hold 26 bytes per value ("-0.00000" and 17 digits, a comma) and 3 per
 * array. Returns the bytes written.
 */
uint32_t write_tensor(const double *values, const uint32_t *shape, uint32_t rank, char *out) {
  char *start = out;
  uint32_t done[4] = {0, 0, 0, 0}; /* elements written in the open array at each depth */
  uint32_t depth = 0;
  *out++ = '[';
  for (;;) {
    if (depth + 1 < rank) { /* an array of arrays: open its next element */
      if (done[depth] > 0) *out++ = ',';
      *out++ = '[';
      done[++depth] = 0;
      continue;
    }
    for (uint32_t i = 0; i < shape[depth]; i++) {
      if (i) *out++ = ',';
      out = write_number(out, *values++);
    }
    *out++ = ']';
    /* Climb to the first enclosing array with elements left, closing the full ones. */
    for (;;) {
      if (depth == 0) return (uint32_t)(out - start);
      depth--;
      if (++done[depth] < shape[depth]) break;
      *out++ = ']';
    }
  }
}
