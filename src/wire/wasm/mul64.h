/* The full 128-bit product of two 64-bit numbers, which WebAssembly has no instruction for. */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
  uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
  uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
  uint64_t middle = (p0 >> 32) + (uint32_t)p1 + (uint32_t)p2;
  *lo = (middle << 32) | (uint32_t)p0;
  *hi = p3 + (p1 >> 32) + (p2 >> 32) + (middle >> 32);
}
