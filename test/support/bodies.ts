import { binaryBatch, multiclassBatch } from '../../load/data.js';

/**
 * A focal-loss body of `rows` × 10 logits as JSON text (seeded by `rows`), logits rounded to
 * 4 decimals as evaluation jobs often send them.
 */
export function focalBody(rows: number): string {
  const { logits, labels } = multiclassBatch(rows, 10, rows);
  const preds = Array.from({ length: rows }, (_, i) => Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => Number(v.toFixed(4))));
  return JSON.stringify({ preds, labels: Array.from(labels) });
}

/**
 * A small /v1/auroc body that takes long to compute: a 20,000-resample bootstrap interval over
 * `samples` binary scores (4,000 samples: about 10 s on the main thread of these machines), for
 * tests of what happens while a worker is busy.
 */
export function slowAurocBody(samples: number): string {
  const { scores, labels } = binaryBatch(samples, samples);
  return JSON.stringify({ preds: Array.from(scores), labels: Array.from(labels), ci: { method: 'bootstrap', n_resamples: 20_000 } });
}
