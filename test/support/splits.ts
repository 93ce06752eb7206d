/**
 * Seeded random splits of a batch into consecutive parts, as the session tests post it: a failing
 * split can be replayed from its seed.
 */

/** A seeded generator (mulberry32): numbers in [0, 1). */
export function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split points: `minParts`–7 (default 1–7) non-empty consecutive parts of `n` rows. */
export function splitRows(n: number, random: () => number, minParts = 1): Array<[number, number]> {
  const parts = Math.min(n, minParts + Math.floor(random() * (8 - minParts)));
  const cuts = new Set<number>();
  while (cuts.size < parts - 1) cuts.add(1 + Math.floor(random() * (n - 1)));
  const edges = [0, ...[...cuts].sort((a, b) => a - b), n];
  return edges.slice(1).map((end, i) => [edges[i], end]);
}
