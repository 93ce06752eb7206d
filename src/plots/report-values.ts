import { escapeXml } from './svg.js';

/**
 * The numbers of the report page (src/plots/report-html.ts) as HTML: each one carries where it
 * comes from in the page's data (`data-path`) and its exact JSON value (`data-value`), and shows a
 * readable rounding, so a reader (or a test) can check every number against the JSON it came from.
 */

/** A place in the page's data: the keys and indices from its root. */
export type DataPath = ReadonlyArray<string | number>;

/** The most values (leaves) one array shows on the page; a larger one is named, not listed. */
export const MAX_SHOWN_VALUES = 1024;

/**
 * A path as the `data-path` attribute writes it: its segments joined by `.`, a `~` inside a key
 * written `~0` and a `.` written `~1` (JSON Pointer's escaping, with `.` for `/`), since metric
 * keys are the user's: `['session', 'metrics', 'f1.micro', 'f1_score']` is
 * `session.metrics.f1~1micro.f1_score`.
 */
export const pathText = (path: DataPath): string => path.map((s) => String(s).replace(/~/g, '~0').replace(/\./g, '~1')).join('.');

/**
 * The rounding the page shows: an integer in full with thousands separators (`1,234,567`), any
 * other number to 4 significant digits without trailing zeros (`0.6667`, `1.235e-7`: JavaScript's
 * `Number(x.toPrecision(4))`), null as `undefined` (what the metric answers where it has no value).
 *
 * @example formatNumber(2 / 3) === '0.6667'; formatNumber(12000) === '12,000'; formatNumber(null) === 'undefined'
 */
export function formatNumber(value: number | null): string {
  if (value === null) return 'undefined';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

/** One number of the data: its rounding in a `<span>` with `data-path` and `data-value` (`null` for undefined). */
export function numberHtml(value: number | null, path: DataPath): string {
  const cls = value === null ? 'number undefined' : 'number';
  return `<span class="${cls}" data-path="${escapeXml(pathText(path))}" data-value="${value === null ? 'null' : JSON.stringify(value)}">${formatNumber(value)}</span>`;
}

const isScalar = (v: unknown): v is number | null => v === null || typeof v === 'number';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How many numbers (and nulls) a value holds, counting no further than `stop`. */
function leafCount(value: unknown, stop: number): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) {
      n += leafCount(v, stop - n);
      if (n > stop) break;
    }
    return n;
  }
  if (isRecord(value)) return leafCount(Object.values(value), stop);
  return 1;
}

/** What stands for a list too long to show. */
const omitted = (): string => `<span class="omitted">more than ${MAX_SHOWN_VALUES.toLocaleString('en-US')} values, not listed here (the JSON answer has them)</span>`;

/** A table that may be wider than a phone: it scrolls inside its box, the page does not. */
const wide = (table: string): string => `<div class="wide">${table}</div>`;

/** Scalars as a wrapping list of `index value` pairs (a per-class array). */
function scalarsHtml(values: ReadonlyArray<number | null>, path: DataPath): string {
  const items = values.map((v, i) => `<li><span class="index">${i}</span> ${numberHtml(v, [...path, i])}</li>`);
  return `<ol class="values">${items.join('')}</ol>`;
}

/** A matrix (arrays of scalars) as a table, rows and columns numbered from 0, with an optional caption. */
export function matrixHtml(rows: ReadonlyArray<ReadonlyArray<number | null>>, path: DataPath, caption: string): string {
  if (leafCount(rows, MAX_SHOWN_VALUES) > MAX_SHOWN_VALUES) return omitted();
  const columns = Math.max(...rows.map((r) => r.length));
  const head = `<tr><th></th>${Array.from({ length: columns }, (_, j) => `<th scope="col">${j}</th>`).join('')}</tr>`;
  const body = rows.map((row, i) => `<tr><th scope="row">${i}</th>${row.map((v, j) => `<td>${numberHtml(v, [...path, i, j])}</td>`).join('')}</tr>`);
  return `${caption ? `<p class="caption">${escapeXml(caption)}</p>` : ''}${wide(`<table class="matrix">${head}${body.join('')}</table>`)}`;
}

/** Records (a per-class or per-group list of objects) as a table: one row each, one column per field. */
function recordsHtml(records: ReadonlyArray<Record<string, unknown> | null>, path: DataPath): string {
  const columns = [...new Set(records.flatMap((r) => (r === null ? [] : Object.keys(r))))];
  const head = `<tr><th></th>${columns.map((c) => `<th scope="col">${escapeXml(c)}</th>`).join('')}</tr>`;
  const body = records.map((r, i) => {
    if (r === null) return `<tr><th scope="row">${i}</th><td colspan="${Math.max(1, columns.length)}">${numberHtml(null, [...path, i])}</td></tr>`;
    return `<tr><th scope="row">${i}</th>${columns.map((c) => `<td>${c in r ? fieldHtml(c, r[c], [...path, i, c]) : ''}</td>`).join('')}</tr>`;
  });
  return wide(`<table class="records">${head}${body.join('')}</table>`);
}

/** An object whose fields are arrays of one length (a calibration error's bins) as a table: one row per index, one column per field. */
function columnsHtml(record: Record<string, ReadonlyArray<number | null>>, path: DataPath): string {
  const keys = Object.keys(record);
  const length = record[keys[0]].length;
  const head = `<tr><th></th>${keys.map((k) => `<th scope="col">${escapeXml(k)}</th>`).join('')}</tr>`;
  const body = Array.from({ length }, (_, i) => `<tr><th scope="row">${i}</th>${keys.map((k) => `<td>${numberHtml(record[k][i], [...path, k, i])}</td>`).join('')}</tr>`);
  return wide(`<table class="columns">${head}${body.join('')}</table>`);
}

/** Warnings (or any strings) as a list. */
export function warningsHtml(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  return `<ul class="warnings">${warnings.map((w) => `<li>${escapeXml(w)}</li>`).join('')}</ul>`;
}

function arrayHtml(values: readonly unknown[], path: DataPath): string {
  if (values.length === 0) return '<span class="empty">none</span>';
  const leaves = leafCount(values, MAX_SHOWN_VALUES);
  if (leaves > MAX_SHOWN_VALUES) return omitted();
  if (values.every(isScalar)) return scalarsHtml(values, path);
  if (values.every((v) => typeof v === 'string')) return warningsHtml(values as string[]);
  if (values.every((v) => Array.isArray(v) && v.every(isScalar))) return matrixHtml(values as Array<Array<number | null>>, path, '');
  if (values.every((v) => v === null || isRecord(v))) return recordsHtml(values as Array<Record<string, unknown> | null>, path);
  const items = values.map((v, i) => `<li><span class="index">${i}</span> ${valueHtml(v, [...path, i])}</li>`);
  return `<ol class="items">${items.join('')}</ol>`;
}

/**
 * The options a metric echoes in its answer (`average`, `multi_class`, `normalize`, …): a null
 * there means "not applicable" (binary AUROC's `average`), not an undefined value, and shows as
 * `none`, as text.
 */
export const OPTION_FIELDS: ReadonlySet<string> = new Set(['average', 'multi_class', 'normalize', 'norm', 'method', 'multiclass_mode', 'multidim_average']);

/** A field of an object: its value, or `none` for an option that does not apply. */
const fieldHtml = (key: string, value: unknown, path: DataPath): string => (value === null && OPTION_FIELDS.has(key) ? '<span class="text">none</span>' : valueHtml(value, path));

/** Fields in the order a reader wants them: numbers first, then options (strings), then lists and objects. */
const fieldRank = (k: string, v: unknown): number => (OPTION_FIELDS.has(k) || typeof v === 'string' || typeof v === 'boolean' ? 1 : isScalar(v) ? 0 : 2);

/** An object's fields as a definition list, numbers first. */
export function fieldsHtml(record: Record<string, unknown>, path: DataPath): string {
  const entries = Object.entries(record).sort(([ka, a], [kb, b]) => fieldRank(ka, a) - fieldRank(kb, b));
  if (entries.length === 0) return '';
  // A list or an object takes a line of its own; numbers and options flow side by side.
  const item = (k: string, v: unknown) => `<div${fieldRank(k, v) === 2 ? ' class="block"' : ''}><dt>${escapeXml(k)}</dt><dd>${fieldHtml(k, v, [...path, k])}</dd></div>`;
  return `<dl class="fields">${entries.map(([k, v]) => item(k, v)).join('')}</dl>`;
}

function objectHtml(record: Record<string, unknown>, path: DataPath): string {
  const values = Object.values(record);
  const columnar =
    values.length > 1 && values.every((v) => Array.isArray(v) && v.length > 0 && v.length === (values[0] as unknown[]).length && v.every(isScalar));
  if (columnar && leafCount(values, MAX_SHOWN_VALUES) <= MAX_SHOWN_VALUES) return columnsHtml(record as Record<string, Array<number | null>>, path);
  return fieldsHtml(record, path);
}

/**
 * Any JSON value of the data as HTML: a number or null as {@link numberHtml}, a string as text,
 * a list of numbers as a numbered list, a matrix as a table, a list of objects as a table, an
 * object as its fields (an object of equal-length lists as a table). A list of more than
 * {@link MAX_SHOWN_VALUES} numbers is named, not listed, so a page stays readable at any size.
 */
export function valueHtml(value: unknown, path: DataPath): string {
  if (isScalar(value)) return numberHtml(value, path);
  if (typeof value === 'string') return `<span class="text">${escapeXml(value)}</span>`;
  if (typeof value === 'boolean') return `<span class="text">${value}</span>`;
  if (Array.isArray(value)) return arrayHtml(value, path);
  if (isRecord(value)) return objectHtml(value, path);
  return '';
}
