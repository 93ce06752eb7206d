import { escapeXml, svgOpening } from './svg.js';

const CELL_MAX = 64;
const CELL_MIN = 6;
/** The most classes (multiclass) or labels (multilabel) one heat map draws: 16,384 cells. */
export const MAX_DRAWN = 128;
const GRID = 448;
const LEFT = 96;
const TOP = 64;
const SCALE_WIDTH = 16;

/** A sequential white-to-blue scale (matplotlib's "Blues" end points) for t in [0, 1]. */
function blue(t: number): string {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

const formatCell = (v: number, rates: boolean): string => (rates ? v.toFixed(3).replace(/\.?0+$/, '') || '0' : String(v));

/**
 * A confusion matrix as a heat map (scikit-learn's `ConfusionMatrixDisplay`): true labels down
 * the rows, predicted labels across the columns, named by class index; each cell shows its count
 * (or rate, when normalized) and is shaded by it on a colour scale drawn at the right.
 * Multilabel matrices are drawn side by side, one 2 × 2 per label. Text colour flips to white on
 * dark cells. Every cell carries `data-row`, `data-column` and `data-value` for tools.
 */
export function confusionMatrixSvg(matrices: number[][][], title: string, rates: boolean, labelNames: (m: number) => string): string {
  const n = matrices[0].length;
  const cell = Math.max(CELL_MIN, Math.min(CELL_MAX, Math.floor(GRID / (n * Math.max(1, matrices.length)))));
  const labelled = cell >= 20; // counts fit in the cells
  const panel = cell * n;
  const gap = 56;
  let max = 0;
  for (const m of matrices) for (const row of m) for (const v of row) max = Math.max(max, v);
  // Wide enough for the title at 16 px (about 8.5 px a character).
  const width = Math.max(LEFT + matrices.length * panel + (matrices.length - 1) * gap + 96, Math.ceil(title.length * 8.5) + 40);
  const height = TOP + panel + 72;
  const parts = svgOpening(width, height, title, width / 2, 24);
  matrices.forEach((m, k) => {
    const x0 = LEFT + k * (panel + gap);
    parts.push(`<g data-matrix="${k}">`);
    if (matrices.length > 1) parts.push(`<text x="${x0 + panel / 2}" y="${TOP - 22}" text-anchor="middle">${escapeXml(labelNames(k))}</text>`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = m[i][j];
        const t = max > 0 ? v / max : 0;
        const x = x0 + j * cell;
        const y = TOP + i * cell;
        parts.push(
          `<rect data-row="${i}" data-column="${j}" data-value="${v}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(t)}" stroke="#ffffff"/>`,
        );
        if (labelled) {
          parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${t > 0.5 ? '#ffffff' : '#000000'}" font-size="${cell >= 40 ? 12 : 9}">${formatCell(v, rates)}</text>`);
        }
      }
      // Axis labels: every class while they fit, else every tenth.
      if (labelled || i % 10 === 0) {
        parts.push(`<text x="${x0 - 6}" y="${TOP + i * cell + cell / 2 + 4}" text-anchor="end">${i}</text>`);
        parts.push(`<text x="${x0 + i * cell + cell / 2}" y="${TOP + panel + 16}" text-anchor="middle">${i}</text>`);
      }
    }
    parts.push(`<text x="${x0 + panel / 2}" y="${TOP + panel + 36}" text-anchor="middle">Predicted label</text>`, '</g>');
  });
  parts.push(`<text transform="translate(${LEFT - 40},${TOP + panel / 2}) rotate(-90)" text-anchor="middle">True label</text>`);
  // The colour scale: a continuous gradient from 0 (bottom) to the largest cell (top), labelled at both ends and midway.
  const sx = width - 64;
  parts.push(
    '<g data-colour-scale="">',
    `<defs><linearGradient id="colour-scale" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${blue(0)}"/><stop offset="1" stop-color="${blue(1)}"/></linearGradient></defs>`,
    `<rect x="${sx}" y="${TOP}" width="${SCALE_WIDTH}" height="${panel}" fill="url(#colour-scale)" stroke="#cccccc"/>`,
  );
  for (const t of [1, 0.5, 0]) {
    parts.push(`<text x="${sx + SCALE_WIDTH + 4}" y="${TOP + (1 - t) * panel + 4}">${formatCell(Math.round(max * t * 1000) / 1000, rates || !Number.isInteger(max * t))}</text>`);
  }
  parts.push('</g>', '</svg>');
  return parts.join('\n');
}
