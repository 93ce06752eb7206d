import { binaryBatch } from '/work/main/load/data.ts';
const b = binaryBatch(1_000_000, 2);
const t0 = (name: string, fn: () => unknown) => { for (let i=0;i<3;i++) fn(); const ts=[]; for (let i=0;i<15;i++){ const t=performance.now(); fn(); ts.push(performance.now()-t);} ts.sort((a,b)=>a-b); console.log(name, ts[7].toFixed(1)); };
function ins(values: Float64Array, start: number, end: number) { for (let i = start + 1; i < end; i++) { const v = values[i]; let j = i - 1; while (j >= start && values[j] > v) { values[j + 1] = values[j]; j--; } values[j + 1] = v; } }
function split2(rows: number, scores: Float64Array, labels: Int32Array, positive: number, knownRange: boolean) {
  let min = 0, max = 1, kept = rows;
  if (!knownRange) { min = Infinity; max = -Infinity; kept = 0; for (let i = 0; i < rows; i++) { const v = scores[i]; if (v < min) min = v; if (v > max) max = v; kept++; } }
  const K = Math.max(1, kept >>> 3); const scale = (K - 1) / (max - min);
  const ends = new Int32Array(2 * K);
  for (let i = 0; i < rows; i++) { const slot = 2 * (((scores[i] - min) * scale) | 0) + (labels[i] === positive ? 0 : 1); ends[slot]++; }
  // positives first, then negatives, in one array: starts
  let ps = 0, total = 0; for (let k = 0; k < K; k++) ps += ends[2 * k];
  let pstart = 0, nstart = ps; for (let k = 0; k < K; k++) { const pc = ends[2*k], nc = ends[2*k+1]; ends[2*k] = pstart; ends[2*k+1] = nstart; pstart += pc; nstart += nc; }
  total = nstart;
  const out = new Float64Array(total);
  for (let i = 0; i < rows; i++) { const v = scores[i]; const slot = 2 * (((v - min) * scale) | 0) + (labels[i] === positive ? 0 : 1); out[ends[slot]++] = v; }
  let a = 0, c = ps; for (let k = 0; k < K; k++) { if (ends[2*k] - a > 1) ins(out, a, ends[2*k]); if (ends[2*k+1] - c > 1) ins(out, c, ends[2*k+1]); a = ends[2*k]; c = ends[2*k+1]; }
  return { out, ends, ps };
}
t0('split2 known', () => split2(1e6, b.scores, b.labels, 1, true));
t0('split2 unknown', () => split2(1e6, b.scores, b.labels, 1, false));
import { splitSorted } from '/work/main/src/kernels/class-split.ts';
const view = { rows: 1e6, scores: b.scores, scoreOffset: 0, scoreStride: 1, labels: b.labels, labelOffset: 0, labelStride: 1, positive: 1, ignore: null };
for (let r = 0; r < 2; r++) { t0('kernel', () => splitSorted(view)); t0('variant', () => split2(1e6, b.scores, b.labels, 1, false)); }
