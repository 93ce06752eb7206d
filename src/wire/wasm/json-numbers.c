/*
 * The fast path of JSON request bodies, compiled to WebAssembly (scripts/build-wasm.sh): one
 * pass over the body's bytes that checks the JSON grammar of a top-level object and turns each
 * member whose value is a rectangular array of numbers (rank 1 to 4) into float64 values, with no
 * intermediate JavaScript arrays. Wrapped by ../json-numbers.ts, which builds the object and
 * falls back to JSON.parse for anything this pass declines; tested against JSON.parse in
 * test/json-body.test.ts. The text must be followed by 8 zero bytes: they match no token, so the
 * scanning loops need no bounds checks and may read 8 bytes at a time.
 *
 * Numbers convert exactly as JSON.parse converts them (correctly rounded, ties to even):
 * Clinger's fast path when the decimal significand and the power of ten are both exact doubles,
 * else the Eisel-Lemire method (Lemire, "Number Parsing at a Gigabyte per Second", 2021; the
 * structure of Go's strconv.eiselLemire64), and for the rare token neither can decide the
 * engine's own conversion, imported from JavaScript.
 *
 * Declined (the caller falls back): invalid JSON, keys with escapes or non-ASCII bytes, more than
 * MAX_MEMBERS members, nesting deeper than MAX_DEPTH, and numbers that overflow to infinity.
 */
#include <stdint.h>
#include "mul64.h"
#include "pow5-table.h"

#define MAX_MEMBERS 64
#define MAX_RANK 4
#define MAX_DEPTH 64
/* One member: key start, key length, value start, value end, rank (0: not a tensor), first output
 * index, then the sizes of its MAX_RANK dimensions. */
#define MEMBER_WORDS 10

#define DECLINED (-1)

/* The engine's conversion of the token at [start, start + length): JSON.parse semantics. */
__attribute__((import_module("env"), import_name("slow_number"))) double slow_number(uint32_t start, uint32_t length);

typedef struct {
  const uint8_t *text;
  uint32_t at;
  uint32_t end;
  double *out;
  uint32_t count;
  int failed;
} Parser;

static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
static inline int is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }

static inline void skip_space(Parser *p) {
  while (is_space(p->text[p->at])) p->at++;
}

static inline uint8_t peek(const Parser *p) { return p->text[p->at]; }

static inline double from_bits(uint64_t bits) {
  union {
    uint64_t u;
    double d;
  } v = {bits};
  return v.d;
}

/* man * 10^exp10 correctly rounded, or 0 in *ok when the method cannot decide (Go's
 * strconv.eiselLemire64: subnormal and overflowing results are declined too). */
static double eisel_lemire(uint64_t man, int exp10, int negative, int *ok) {
  *ok = 1;
  if (man == 0) return negative ? -0.0 : 0.0;
  if (exp10 < POW5_MIN_EXP || exp10 > POW5_MAX_EXP) return *ok = 0, 0.0;
  int clz = __builtin_clzll(man);
  man <<= clz;
  uint64_t ret_exp2 = (uint64_t)(((217706 * exp10) >> 16) + 64 + 1023) - (uint64_t)clz;
  const uint64_t *power = pow5_128[exp10 - POW5_MIN_EXP];
  uint64_t x_hi, x_lo;
  mul64(man, power[0], &x_hi, &x_lo);
  if ((x_hi & 0x1FF) == 0x1FF && x_lo + man < man) {
    uint64_t y_hi, y_lo;
    mul64(man, power[1], &y_hi, &y_lo);
    uint64_t merged_hi = x_hi, merged_lo = x_lo + y_hi;
    if (merged_lo < x_lo) merged_hi++;
    if ((merged_hi & 0x1FF) == 0x1FF && merged_lo + 1 == 0 && y_lo + man < man) return *ok = 0, 0.0;
    x_hi = merged_hi;
    x_lo = merged_lo;
  }
  uint64_t msb = x_hi >> 63;
  uint64_t ret_man = x_hi >> (msb + 9);
  ret_exp2 -= 1 ^ msb;
  if (x_lo == 0 && (x_hi & 0x1FF) == 0 && (ret_man & 3) == 1) return *ok = 0, 0.0;
  ret_man += ret_man & 1;
  ret_man >>= 1;
  if (ret_man >> 53) {
    ret_man >>= 1;
    ret_exp2 += 1;
  }
  if (ret_exp2 - 1 >= 0x7FF - 1) return *ok = 0, 0.0;
  uint64_t bits = ret_exp2 << 52 | (ret_man & 0x000FFFFFFFFFFFFFull);
  if (negative) bits |= 0x8000000000000000ull;
  return from_bits(bits);
}

typedef uint64_t __attribute__((aligned(1), may_alias)) unaligned_u64;

/* Whether 8 bytes are all ASCII digits, and their value (fast_float's SWAR conversion). */
static inline int eight_digits(uint64_t v) {
  return (((v & 0xF0F0F0F0F0F0F0F0ull) | (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull);
}

static inline uint64_t value_of_eight_digits(uint64_t v) {
  const uint64_t mask = 0x000000FF000000FFull;
  v -= 0x3030303030303030ull;
  v = (v * 10) + (v >> 8);
  return (((v & mask) * 0x000F424000000064ull) + (((v >> 16) & mask) * 0x0000271000000001ull)) >> 32;
}

/* The significand of a number with more than 19 digits: its first 19 significant digits, with
 * the decimal exponent adjusted and a flag for nonzero digits dropped. */
static uint64_t long_significand(const uint8_t *s, uint32_t i, int *exp10, int *truncated) {
  uint64_t man = 0;
  int digits = 0;
  *exp10 = 0;
  *truncated = 0;
  for (; is_digit(s[i]); i++) {
    if (digits < 19) man = man * 10 + (s[i] - '0'), digits += man != 0;
    else ++*exp10, *truncated |= s[i] != '0';
  }
  if (s[i] == '.') {
    for (i++; is_digit(s[i]); i++) {
      if (man == 0 && s[i] == '0') --*exp10;
      else if (digits < 19) man = man * 10 + (s[i] - '0'), digits++, --*exp10;
      else *truncated |= s[i] != '0';
    }
  }
  return man;
}

/* One JSON number at p->at; sets p->failed on a grammar error or an infinite value. */
static inline __attribute__((always_inline)) double parse_number(Parser *p) {
  const uint8_t *s = p->text;
  uint32_t start = p->at, i = p->at;
  int negative = s[i] == '-';
  i += negative;
  uint32_t first = i;
  uint64_t man = 0;
  for (; is_digit(s[i]); i++) man = man * 10 + (s[i] - '0');
  uint32_t digits = i - first;
  if (digits == 0 || (s[first] == '0' && digits > 1)) return p->failed = 1, 0.0; /* no digit, or a leading zero */
  int exp10 = 0;
  if (s[i] == '.') {
    uint32_t fraction = ++i;
    while (eight_digits(*(const unaligned_u64 *)(s + i))) {
      man = man * 100000000 + value_of_eight_digits(*(const unaligned_u64 *)(s + i));
      i += 8;
    }
    for (; is_digit(s[i]); i++) man = man * 10 + (s[i] - '0');
    if (i == fraction) return p->failed = 1, 0.0;
    exp10 = -(int)(i - fraction);
    digits += i - fraction;
  }
  int truncated = 0;
  if (digits > 19) man = long_significand(s, first, &exp10, &truncated); /* man overflowed: count again */
  if (s[i] == 'e' || s[i] == 'E') {
    i++;
    int exp_negative = s[i] == '-';
    if (s[i] == '+' || s[i] == '-') i++;
    if (!is_digit(s[i])) return p->failed = 1, 0.0;
    int e = 0;
    for (; is_digit(s[i]); i++) {
      if (e < 100000) e = e * 10 + (s[i] - '0');
    }
    exp10 += exp_negative ? -e : e;
  }
  p->at = i;

  if (!truncated && man < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
    double exact = (double)(int64_t)man; /* below 2^53: the signed conversion is exact, and one instruction */
    exact = exp10 >= 0 ? exact * exact_pow10[exp10] : exact / exact_pow10[-exp10];
    return negative ? -exact : exact;
  }
  int ok;
  double value = eisel_lemire(man, exp10, negative, &ok);
  if (ok && truncated) {
    /* The digits dropped lie between man and man + 1: both must round alike. */
    int ok_up;
    double up = eisel_lemire(man + 1, exp10, negative, &ok_up);
    ok = ok_up && up == value;
  }
  if (ok) return value;
  value = slow_number(start, i - start);
  if (value - value != 0) p->failed = 1; /* ±Infinity: left to JSON.parse's path, which reports it */
  return value;
}

/* Skips one string (the opening quote at p->at), checking escapes and control characters. */
static void skip_string(Parser *p) {
  const uint8_t *s = p->text;
  uint32_t i = p->at + 1;
  for (;;) {
    if (i >= p->end) return (void)(p->failed = 1);
    uint8_t c = s[i++];
    if (c == '"') break;
    if (c < 0x20) return (void)(p->failed = 1);
    if (c == '\\') {
      if (i >= p->end) return (void)(p->failed = 1);
      c = s[i++];
      if (c == 'u') {
        for (int k = 0; k < 4; k++, i++) {
          uint8_t h = i < p->end ? s[i] : 0;
          if (!is_digit(h) && !((h | 0x20) >= 'a' && (h | 0x20) <= 'f')) return (void)(p->failed = 1);
        }
      } else if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't') {
        return (void)(p->failed = 1);
      }
    }
  }
  p->at = i;
}

static void skip_literal(Parser *p, const char *word) {
  for (; *word; word++, p->at++) {
    if (p->at >= p->end || p->text[p->at] != (uint8_t)*word) return (void)(p->failed = 1);
  }
}

/* Skips any JSON value, checking its grammar. */
static void skip_value(Parser *p, int depth) {
  if (depth > MAX_DEPTH) return (void)(p->failed = 1);
  uint8_t c = peek(p);
  if (c == '"') return skip_string(p);
  if (c == 't') return skip_literal(p, "true");
  if (c == 'f') return skip_literal(p, "false");
  if (c == 'n') return skip_literal(p, "null");
  if (c == '-' || is_digit(c)) return (void)parse_number(p);
  if (c != '[' && c != '{') return (void)(p->failed = 1);
  uint8_t close = c == '[' ? ']' : '}';
  p->at++;
  skip_space(p);
  if (peek(p) == close) return (void)p->at++;
  for (;;) {
    if (close == '}') {
      if (peek(p) != '"') return (void)(p->failed = 1);
      skip_string(p);
      skip_space(p);
      if (p->failed || peek(p) != ':') return (void)(p->failed = 1);
      p->at++;
      skip_space(p);
    }
    skip_value(p, depth + 1);
    if (p->failed) return;
    skip_space(p);
    c = peek(p);
    p->at++;
    if (c == close) return;
    if (c != ',') return (void)(p->failed = 1);
    skip_space(p);
  }
}

/* A rectangular array of numbers at p->at into p->out. Returns its rank, or 0 when the value is
 * something else (an empty or ragged array, a non-number, deeper than MAX_RANK): the caller then
 * rewinds and skips it as a plain value. The first array at each depth fixes that dimension. */
static inline __attribute__((always_inline)) int parse_tensor_in(Parser *p, uint32_t *shape) {
  int rank = 0, depth = 0;
  uint32_t length[MAX_RANK];
  for (int d = 0; d < MAX_RANK; d++) shape[d] = 0;
  p->at++; /* the opening bracket */
  length[0] = 0;
  for (;;) {
    skip_space(p);
    uint8_t c = peek(p);
    if (c == '[') {
      if (depth + 1 >= MAX_RANK || (rank && depth + 1 >= rank)) return 0; /* deeper than the leaves */
      depth++;
      length[depth] = 0;
      p->at++;
      continue;
    }
    if (c == '-' || is_digit(c)) {
      if (rank == 0) rank = depth + 1;
      else if (rank != depth + 1) return 0;
      p->out[p->count++] = parse_number(p);
      if (p->failed) return 0;
    } else {
      return 0; /* an empty array, a string, null, an object... */
    }
    /* After an element: commas continue this array, brackets close arrays. */
    for (;;) {
      length[depth]++;
      skip_space(p);
      c = peek(p);
      if (c == ',') {
        p->at++;
        break;
      }
      if (c != ']') return p->failed = 1, 0;
      p->at++;
      if (shape[depth] == 0) shape[depth] = length[depth];
      else if (shape[depth] != length[depth]) return 0; /* ragged */
      if (depth == 0) return rank;
      depth--;
    }
  }
}

/* parse_tensor_in on a copy of the parser that no other function sees, so the compiler keeps
 * its position and count in registers through the hot loop. */
static int parse_tensor(Parser *p, uint32_t *shape) {
  Parser local = *p;
  int rank = parse_tensor_in(&local, shape);
  *p = local;
  return rank;
}

/*
 * Parses the object in text[0, length), which must be followed by 8 zero bytes: numbers go to
 * `out` (room for length / 2 + 1 of them),
 * one MEMBER_WORDS record per member to `members`. Returns the number of members, or DECLINED.
 */
int parse_object(const uint8_t *text, uint32_t length, double *out, uint32_t *members) {
  Parser parser = {text, 0, length, out, 0, 0};
  Parser *p = &parser;
  int count = 0;
  skip_space(p);
  if (peek(p) != '{') return DECLINED;
  p->at++;
  skip_space(p);
  if (peek(p) == '}') {
    p->at++;
  } else {
    for (;;) {
      if (count == MAX_MEMBERS || peek(p) != '"') return DECLINED;
      uint32_t *member = members + count * MEMBER_WORDS;
      uint32_t key = ++p->at;
      while (p->at < length && text[p->at] != '"') {
        uint8_t c = text[p->at++];
        if (c == '\\' || c < 0x20 || c >= 0x80) return DECLINED;
      }
      if (p->at >= length) return DECLINED;
      member[0] = key;
      member[1] = p->at - key;
      p->at++;
      skip_space(p);
      if (peek(p) != ':') return DECLINED;
      p->at++;
      skip_space(p);
      uint32_t value = p->at, first = p->count;
      int rank = 0;
      if (peek(p) == '[') {
        rank = parse_tensor(p, member + 6);
        if (p->failed) return DECLINED;
        if (rank == 0) p->at = value, p->count = first;
      }
      if (rank == 0) skip_value(p, 0);
      if (p->failed) return DECLINED;
      member[2] = value;
      member[3] = p->at;
      member[4] = (uint32_t)rank;
      member[5] = first;
      count++;
      skip_space(p);
      uint8_t c = peek(p);
      p->at++;
      if (c == '}') break;
      if (c != ',') return DECLINED;
      skip_space(p);
    }
  }
  skip_space(p);
  return p->at == length ? count : DECLINED;
}
