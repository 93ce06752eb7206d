import { notAcceptable } from '../errors.js';
import type { ReportRow } from '../metrics/classification-report.js';
import type { MetricsResponse } from '../schemas/metrics.js';

/**
 * `x` with `digits` decimals as Python's `format(x, '.{digits}f')` writes it: the exact double
 * rounded half to even (JavaScript's `toFixed` rounds an exact tie such as 0.125 up), `nan` for
 * null (scikit-learn's NaN under `zero_division=np.nan`). A tie is seen in the exact decimal
 * expansion (`toFixed(100)`; a double's in [0, 10^6) ends well before 100 digits at the
 * magnitudes a report holds).
 */
export function pythonFixed(x: number | null, digits: number): string {
  if (x === null) return 'nan';
  const rounded = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const rest = exact.slice(point + 1 + digits);
  if (!/^50*$/.test(rest)) return rounded;
  const truncated = exact.slice(0, digits === 0 ? point : point + 1 + digits);
  const last = Number(truncated[truncated.length - 1]);
  return last % 2 === 0 ? (x < 0 ? `-${truncated}` : truncated) : rounded;
}

/**
 * A support as scikit-learn prints an unweighted one (numpy's integer sum); a fractional weighted
 * one as its shortest decimal, as Python's repr (a whole weighted one, `13.0` there, is `13` here).
 */
const supportText = (n: number): string => String(n);

/**
 * scikit-learn 1.9's `classification_report(...)` text (its `output_dict=False` answer), byte for
 * byte: a header line, the class rows ("0", "1", …), then `accuracy` (binary, multiclass: the
 * micro average, blank precision and recall) or `micro avg` (multilabel), `macro avg`,
 * `weighted avg` and (multilabel) `samples avg`; each number right-aligned in 9 columns with
 * `digits` decimals, names right-aligned to max(longest class name, len("weighted avg"), digits).
 * Supports are integers as sent unweighted (a weighted support scikit-learn prints as a float,
 * `13.0`, shows here as `13` when whole).
 */
export function classificationReportText(entry: Record<string, unknown>, task: string, digits = 2): string {
  const perClass = entry.per_class as ReportRow[];
  const names = perClass.map((_, c) => String(c));
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits);
  const cell = (s: string) => ` ${s.padStart(9)}`;
  const line = (name: string, row: ReportRow) =>
    `${name.padStart(width)} ${cell(pythonFixed(row.precision, digits))}${cell(pythonFixed(row.recall, digits))}${cell(pythonFixed(row.f1_score, digits))}${cell(supportText(row.support))}\n`;
  let text = `${''.padStart(width)} ${['precision', 'recall', 'f1-score', 'support'].map(cell).join('')}\n\n`;
  perClass.forEach((row, c) => (text += line(names[c], row)));
  text += '\n';
  const macro = entry.macro_avg as ReportRow;
  if (task === 'multilabel') text += line('micro avg', entry.micro_avg as ReportRow);
  else text += `${'accuracy'.padStart(width)} ${cell('')}${cell('')}${cell(pythonFixed(entry.accuracy as number | null, digits))}${cell(supportText(macro.support))}\n`;
  text += line('macro avg', macro);
  text += line('weighted avg', entry.weighted_avg as ReportRow);
  if (task === 'multilabel') text += line('samples avg', entry.samples_avg as ReportRow);
  return text;
}

/**
 * The `text/plain` answer of /v1/metrics: the first `classification_report` asked, as
 * scikit-learn prints it.
 *
 * @throws {ProblemError} 406 naming `metrics` when no classification_report was asked
 */
export function metricsText(result: MetricsResponse): string {
  const entry = Object.values(result.metrics).find((e) => e.weighted_avg !== undefined && Array.isArray(e.per_class));
  if (!entry) {
    const message = 'text/plain is the text table of a classification_report: ask for one, or accept application/json';
    throw notAcceptable(`metrics: ${message}`, [{ path: 'metrics', message }]);
  }
  return classificationReportText(entry, result.task);
}
