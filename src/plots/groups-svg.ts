import { escapeXml, svgOpening } from './svg.js';

/** What a grouped scalar metric answers (GROUPS.md): the overall value, each group's, and each group's rows. */
export interface GroupedValues {
  overall: number | null;
  groups: Array<number | null>;
  rows: number[];
}

const WIDTH = 640;
const LEFT = 190;
const PLOT = 380;
const TOP = 56;
const BAR = 22;
const GAP = 8;

/**
 * A grouped metric as horizontal bars: the overall value first (dark), then each group's (with
 * its count of rows), on one axis from min(0, values) to max(1, values), so a gap between groups
 * shows at a glance; a group without a value (no rows, or undefined) is named with no bar. Each
 * bar carries `data-group` (`overall` or the id), `data-value` and `data-rows`.
 */
export function groupsSvg(values: GroupedValues, title: string): string {
  const all = [values.overall, ...values.groups].filter((v): v is number => v !== null);
  const lo = Math.min(0, ...all);
  const hi = Math.max(1, ...all);
  const x = (v: number) => LEFT + ((v - lo) / (hi - lo)) * PLOT;
  const rowsTotal = values.rows.reduce((a, b) => a + b, 0);
  const lines: Array<{ group: string; label: string; value: number | null; rows: number; fill: string }> = [
    { group: 'overall', label: `overall (${rowsTotal.toLocaleString('en')} rows)`, value: values.overall, rows: rowsTotal, fill: '#1f4e79' },
    ...values.groups.map((value, g) => ({ group: String(g), label: `group ${g} (${values.rows[g].toLocaleString('en')} rows)`, value, rows: values.rows[g], fill: '#5b9bd5' })),
  ];
  const height = TOP + lines.length * (BAR + GAP) + 44;
  const parts = svgOpening(WIDTH, height, title, WIDTH / 2);
  const axisY = TOP + lines.length * (BAR + GAP);
  lines.forEach((line, i) => {
    const y = TOP + i * (BAR + GAP);
    parts.push(`<text x="${LEFT - 8}" y="${y + BAR / 2 + 4}" text-anchor="end">${escapeXml(line.label)}</text>`);
    if (line.value === null) {
      parts.push(`<text x="${LEFT + 4}" y="${y + BAR / 2 + 4}" fill="#666666" data-group="${line.group}" data-value="null" data-rows="${line.rows}">no value</text>`);
      return;
    }
    const from = x(Math.min(0, line.value));
    const width = Math.abs(x(line.value) - x(0));
    parts.push(`<rect x="${from.toFixed(2)}" y="${y}" width="${width.toFixed(2)}" height="${BAR}" fill="${line.fill}" data-group="${line.group}" data-value="${line.value}" data-rows="${line.rows}"/>`);
    parts.push(`<text x="${(Math.max(x(line.value), x(0)) + 4).toFixed(2)}" y="${y + BAR / 2 + 4}">${Number(line.value.toPrecision(4))}</text>`);
  });
  parts.push(`<line x1="${x(0).toFixed(2)}" y1="${TOP - 4}" x2="${x(0).toFixed(2)}" y2="${axisY}" stroke="#333333"/>`);
  for (const tick of [lo, 0, hi].filter((t, i, a) => a.indexOf(t) === i)) {
    parts.push(`<text x="${x(tick).toFixed(2)}" y="${axisY + 16}" text-anchor="middle">${Number(tick.toPrecision(4))}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
