import { multiclassBatch } from '../../load/data.js';

/**
 * A focal-loss body of `rows` × 10 logits as JSON text (seeded by `rows`), logits rounded to
 * 4 decimals as evaluation jobs often send them.
 */
export function focalBody(rows: number): string {
  const { logits, labels } = multiclassBatch(rows, 10, rows);
  const preds = Array.from({ length: rows }, (_, i) => Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => Number(v.toFixed(4))));
  return JSON.stringify({ preds, labels: Array.from(labels) });
}
