import { evenlyAlongCurve } from '../kernels/curve-points.js';
import type { CalibrationMetrics, CalibrationResponse } from '../metrics/calibration.js';
import type { PrecisionRecallResponse, RocResponse } from '../metrics/curves.js';
import type { LabelThreshold, ThresholdsResponse } from '../metrics/thresholds.js';
import { MAX_DRAWN, confusionMatrixSvg } from './confusion-matrix-svg.js';
import { precisionRecallSvg, rocSvg } from './curve-plots.js';
import { groupsSvg } from './groups-svg.js';
import { reliabilitySvg, type CalibrationBins } from './reliability-svg.js';
import { OPTION_FIELDS, fieldsHtml, matrixHtml, numberHtml, valueHtml, warningsHtml, type DataPath } from './report-values.js';
import { thresholdsSvg } from './thresholds-svg.js';
import { escapeXml } from './svg.js';

/**
 * Everything the report page of a session shows (DECISIONS.md, Sessions), computed before it is
 * drawn: the renderer computes nothing, so each number on the page is one the session's JSON
 * endpoints answer.
 */
export interface ReportData {
  /** GET /v1/sessions/{id}'s answer, parsed: id, task, rows, batches, loss, metrics, warnings, expires_at. */
  session: {
    id: string;
    task: 'binary' | 'multiclass' | 'multilabel';
    rows: number;
    batches: number;
    loss: { loss: number | null; count: number; reduction: string } | null;
    metrics: Record<string, Record<string, unknown>>;
    warnings: string[];
    expires_at: string;
  };
  /** GET /v1/sessions/{id}/roc's answer; null when the session keeps no rows. */
  roc: RocResponse | null;
  /** GET /v1/sessions/{id}/precision-recall-curve's answer; null when the session keeps no rows. */
  precisionRecall: PrecisionRecallResponse | null;
  /**
   * A `confusion_matrix` entry as /v1/metrics answers it: the session's own when it asks for one,
   * else computed over the kept rows with the metric's defaults; null when neither.
   */
  confusionMatrix: Record<string, unknown> | null;
  /** GET /v1/sessions/{id}/thresholds's answer with `return_curve=true`; null for multiclass or without rows. */
  thresholds: ThresholdsResponse | null;
  /** GET /v1/sessions/{id}/calibration's answer and its reliability bins before and after (null bins for multilabel); null without rows. */
  calibration: { response: CalibrationResponse; bins: { before: CalibrationBins; after: CalibrationBins } | null } | null;
}

type Session = ReportData['session'];

/** Why a section without data has none: one line each. */
const NO_ROWS = 'the session keeps no rows: create it with keep_rows: true (or with an exact ranking metric, such as auroc without thresholds)';

/** A metric entry's fields the groups section shows instead of the metrics table. */
const GROUP_FIELDS = new Set(['by_group', 'group_rows', 'group_min', 'group_max', 'difference', 'ratio']);

const isGrouped = (entry: Record<string, unknown>): boolean => Array.isArray(entry.by_group);
/** The fairness metrics (demographic_parity, equal_opportunity, groups_stat_rates) answer one value per group in `per_group`. */
const isFairness = (entry: Record<string, unknown>): boolean => Array.isArray(entry.per_group);

const section = (id: string, title: string, body: string): string => `<section id="${id}"><h2>${escapeXml(title)}</h2>${body}</section>`;
const missing = (why: string): string => `<p class="missing">${escapeXml(why)}</p>`;
const figure = (svg: string, caption: string): string => `<figure>${svg}${caption ? `<figcaption>${escapeXml(caption)}</figcaption>` : ''}</figure>`;
const seriesName = (task: string, i: number): string => (task === 'binary' ? 'model' : `${task === 'multiclass' ? 'class' : 'label'} ${i}`);

/** Header: the session's id, task, rows, batches, expiry and warnings. */
function headerSection(session: Session): string {
  const at = (key: string) => ['session', key];
  return [
    `<header><h1>Session report</h1><p class="id">${escapeXml(session.id)}</p>`,
    '<dl class="fields">',
    `<div><dt>task</dt><dd>${escapeXml(session.task)}</dd></div>`,
    `<div><dt>rows</dt><dd>${numberHtml(session.rows, at('rows'))}</dd></div>`,
    `<div><dt>batches</dt><dd>${numberHtml(session.batches, at('batches'))}</dd></div>`,
    `<div><dt>expires at</dt><dd><time>${escapeXml(session.expires_at)}</time></dd></div>`,
    '</dl>',
    warningsHtml(session.warnings),
    '</header>',
  ].join('');
}

const CONTENTS: ReadonlyArray<[string, string]> = [
  ['loss', 'Loss'],
  ['metrics', 'Metrics'],
  ['curves', 'ROC and precision-recall curves'],
  ['confusion-matrix', 'Confusion matrix'],
  ['calibration', 'Calibration'],
  ['thresholds', 'Decision threshold'],
  ['groups', 'Groups and fairness'],
];

const contentsNav = (): string => `<nav><ol>${CONTENTS.map(([id, title]) => `<li><a href="#${id}">${title}</a></li>`).join('')}</ol></nav>`;
const titleOf = (id: string): string => CONTENTS.find(([i]) => i === id)![1];

/** The epoch's loss: its value, the count it averages and the reduction. */
function lossSection(session: Session): string {
  const { loss } = session;
  if (loss === null) return section('loss', titleOf('loss'), missing('the session computes no loss: create it with a loss (focal options) to have one'));
  return section('loss', titleOf('loss'), fieldsHtml(loss, ['session', 'loss']));
}

/**
 * The metrics table: one row per metric of the session, its fields (numbers first, then its
 * options, then per-class lists and matrices), an undefined value as "undefined" beside the
 * metric's warnings. Per-group answers link to the groups section, which shows them.
 */
function metricsSection(session: Session): string {
  const entries = Object.entries(session.metrics);
  if (entries.length === 0) return section('metrics', titleOf('metrics'), missing('the session computes no metrics'));
  const rows = entries.map(([key, entry]) => {
    const path = ['session', 'metrics', key];
    const { warnings, ...fields } = entry;
    const shown = Object.fromEntries(Object.entries(fields).filter(([k]) => !(isGrouped(entry) && GROUP_FIELDS.has(k)) && !(isFairness(entry) && k === 'per_group')));
    const byGroup = isGrouped(entry) || isFairness(entry) ? '<p class="see"><a href="#groups">per group: see Groups and fairness</a></p>' : '';
    return `<tr data-metric="${escapeXml(key)}"><th scope="row">${escapeXml(key)}</th><td>${fieldsHtml(shown, path)}${byGroup}${warningsHtml(Array.isArray(warnings) ? (warnings as string[]) : [])}</td></tr>`;
  });
  return section('metrics', titleOf('metrics'), `<table class="metrics"><thead><tr><th scope="col">metric</th><th scope="col">value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
}

/** The most points of one ROC or precision-recall curve drawn on the page (an exact epoch curve may have one per row). */
const MAX_CURVE_POINTS = 2000;

/**
 * A curve's points kept for drawing: evenly spaced along its length (the `max_points` rule of the
 * curve endpoints); its other fields (thresholds, areas) are not drawn and stay as they are.
 */
function thinned<Curve extends Record<string, unknown>>(curve: Curve, x: keyof Curve & string, y: keyof Curve & string): Curve {
  const xs = curve[x] as number[];
  const ys = curve[y] as number[];
  if (xs.length <= MAX_CURVE_POINTS) return curve;
  const keep = evenlyAlongCurve(xs, ys, MAX_CURVE_POINTS);
  return { ...curve, [x]: keep.map((k) => xs[k]), [y]: keep.map((k) => ys[k]) };
}

/** A ROC answer with each curve thinned for drawing (its AUROC unchanged). */
function drawnRoc(roc: RocResponse): RocResponse {
  const thin = <C extends { fpr: number[]; tpr: number[] }>(c: C): C => thinned(c, 'fpr', 'tpr');
  if (roc.per_class) return { ...roc, per_class: roc.per_class.map((c) => (c === null ? null : thin(c))) };
  return roc.fpr && roc.tpr ? { ...roc, ...thin({ fpr: roc.fpr, tpr: roc.tpr }) } : roc;
}

/** A precision-recall answer with each curve thinned for drawing (its AP and prevalence unchanged). */
function drawnPrecisionRecall(pr: PrecisionRecallResponse): PrecisionRecallResponse {
  const thin = <C extends { recall: number[]; precision: number[] }>(c: C): C => thinned(c, 'recall', 'precision');
  if (pr.per_class) return { ...pr, per_class: pr.per_class.map((c) => (c === null ? null : thin(c))) };
  return pr.recall && pr.precision ? { ...pr, ...thin({ recall: pr.recall, precision: pr.precision }) } : pr;
}

/** The most lines one plot of the page draws (a legend entry each; curveSvg's ten colours repeat beyond ten). */
const MAX_DRAWN_LINES = 20;
const tooManyLines = (count: number, task: string): string =>
  `${count} ${task === 'multiclass' ? 'classes' : 'labels'}: plots are drawn for at most ${MAX_DRAWN_LINES} (one line each); the table gives each one's values`;

/** ROC and precision-recall curves, drawn, with each curve's area (AUROC, AP) and prevalence in a table. */
function curvesSection(data: ReportData): string {
  const { roc, precisionRecall: pr } = data;
  if (roc === null || pr === null) return section('curves', titleOf('curves'), missing(NO_ROWS));
  const perClass = roc.per_class !== undefined;
  const count = perClass ? roc.per_class!.length : 1;
  const at = (root: string, i: number, field: string) => (perClass ? [root, 'per_class', i, field] : [root, field]);
  const value = (curve: Record<string, unknown> | null | undefined, field: string) => (curve ? ((curve[field] as number | null | undefined) ?? null) : null);
  const rows = Array.from({ length: count }, (_, i) => {
    const r = perClass ? roc.per_class![i] : roc;
    const p = perClass ? pr.per_class![i] : pr;
    const cells = [
      numberHtml(value(r, 'auroc'), perClass && r === null ? ['roc', 'per_class', i] : at('roc', i, 'auroc')),
      numberHtml(value(p, 'average_precision'), perClass && p === null ? ['precisionRecall', 'per_class', i] : at('precisionRecall', i, 'average_precision')),
      numberHtml(value(p, 'prevalence'), perClass && p === null ? ['precisionRecall', 'per_class', i] : at('precisionRecall', i, 'prevalence')),
    ];
    return `<tr><th scope="row">${seriesName(roc.task, i)}</th>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  const table = `<div class="wide"><table><thead><tr><th></th><th scope="col">AUROC</th><th scope="col">average precision</th><th scope="col">prevalence (chance AP)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  return section(
    'curves',
    titleOf('curves'),
    [
      table,
      count > MAX_DRAWN_LINES
        ? missing(tooManyLines(count, roc.task))
        : [
            '<div class="figures">',
            figure(rocSvg(drawnRoc(roc)), 'ROC curve: true positive rate against false positive rate; the dashed diagonal is chance.'),
            figure(precisionRecallSvg(drawnPrecisionRecall(pr)), 'Precision-recall curve (steps, as average precision sums it); dashed: each curve\'s prevalence.'),
            '</div>',
          ].join(''),
      warningsHtml([...new Set([...roc.warnings, ...pr.warnings])]),
    ].join(''),
  );
}

/** The confusion matrix: a heat map (up to {@link MAX_DRAWN} classes or labels) and its cells as a table. */
function confusionMatrixSection(data: ReportData): string {
  const entry = data.confusionMatrix;
  if (entry === null) return section('confusion-matrix', titleOf('confusion-matrix'), missing('no confusion matrix: the session asks for no confusion_matrix and keeps no rows to compute one'));
  const task = data.session.task;
  const raw = entry.confusion_matrix as number[][] | number[][][];
  const matrices = (task === 'multilabel' ? raw : [raw]) as number[][][];
  const normalize = entry.normalize as string | null | undefined;
  const rates = normalize !== null && normalize !== undefined && normalize !== 'none';
  const how = rates ? `normalized over ${normalize === 'all' ? 'all samples' : `each ${normalize} label`}` : 'counts';
  const path = ['confusionMatrix', 'confusion_matrix'];
  const drawn = Math.max(matrices.length, matrices[0]?.length ?? 0);
  const svg =
    matrices.length === 0 || matrices[0].length === 0
      ? missing('the confusion matrix is empty')
      : drawn > MAX_DRAWN
        ? missing(`a heat map is drawn for at most ${MAX_DRAWN} classes or labels (this one has ${drawn})`)
        : figure(confusionMatrixSvg(matrices, `Confusion matrix, ${task} (${how})`, rates, (m) => `label ${m}`), '');
  const tables =
    task === 'multilabel'
      ? matrices.map((m, k) => matrixHtml(m, [...path, k], `label ${k}: rows true (0, 1), columns predicted (0, 1)`)).join('')
      : matrixHtml(raw as number[][], path, 'rows: true class; columns: predicted class');
  return section('confusion-matrix', titleOf('confusion-matrix'), `${svg}${tables}${warningsHtml((entry.warnings as string[] | undefined) ?? [])}`);
}

/** The fitted parameters of a calibration (Platt a, b; isotonic breakpoints; temperature; per class), without its metrics. */
function calibrationParameters(response: CalibrationResponse): Record<string, unknown> {
  const { task, input, method, before, after, probs, warnings, per_label, ...parameters } = response;
  return parameters;
}

/** Log loss, Brier score and calibration error before and after, one row each. */
function qualityTable(before: CalibrationMetrics | undefined, after: CalibrationMetrics | undefined, path: DataPath): string {
  const names = ['log_loss', 'brier_score', 'calibration_error'] as const;
  const rows = names.map((n) => `<tr><th scope="row">${n}</th><td>${numberHtml(before?.[n] ?? null, [...path, 'before', n])}</td><td>${numberHtml(after?.[n] ?? null, [...path, 'after', n])}</td></tr>`);
  return `<table class="quality"><thead><tr><th></th><th scope="col">before</th><th scope="col">after</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Calibration: method, parameters, the metrics before and after, and the reliability diagrams before and after. */
function calibrationSection(data: ReportData): string {
  const calibration = data.calibration;
  if (calibration === null) return section('calibration', titleOf('calibration'), missing(NO_ROWS));
  const { response, bins } = calibration;
  const root = ['calibration', 'response'];
  const parts = [`<p>method <strong>${escapeXml(response.method)}</strong>, fitted on the scores as sent (${escapeXml(response.input)}).</p>`];
  if (response.per_label) {
    response.per_label.forEach((label, l) => {
      const { before, after, ...parameters } = label;
      parts.push(`<h3>label ${l}</h3>`, fieldsHtml(parameters, [...root, 'per_label', l]), qualityTable(before, after, [...root, 'per_label', l]));
    });
  } else {
    parts.push(fieldsHtml(calibrationParameters(response), root), qualityTable(response.before, response.after, root));
  }
  if (bins === null) {
    parts.push(missing('reliability diagrams: a multilabel calibration has one per label; the table above gives each label\'s calibration error'));
  } else {
    const title = (when: string) => `${when} ${response.method} calibration, ${response.task}`;
    parts.push(
      '<div class="figures">',
      figure(reliabilitySvg(bins.before, response.before?.calibration_error ?? null, 'l1', title('Before')), 'Reliability diagram before calibration: bars accuracy, dots mean confidence, per bin.'),
      figure(reliabilitySvg(bins.after, response.after?.calibration_error ?? null, 'l1', title('After')), 'Reliability diagram after calibration.'),
      '</div>',
    );
  }
  parts.push(warningsHtml(response.warnings));
  return section('calibration', titleOf('calibration'), parts.join(''));
}

/** The most points of one trade-off line drawn; a longer curve keeps each stretch's lowest and highest objective. */
const MAX_DRAWN_POINTS = 2000;

/**
 * A curve's defined points (null objectives left out), thinned to about {@link MAX_DRAWN_POINTS}
 * by keeping the lowest and highest objective of each run of consecutive points, so the line's
 * envelope is the one of every point.
 */
function drawnPoints(curve: { thresholds: number[]; objective: Array<number | null> }): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  curve.thresholds.forEach((t, k) => {
    const o = curve.objective[k];
    if (o !== null && o !== undefined) points.push([t, o]);
  });
  if (points.length <= MAX_DRAWN_POINTS) return points;
  const run = Math.ceil((2 * points.length) / MAX_DRAWN_POINTS);
  const kept: Array<[number, number]> = [];
  for (let start = 0; start < points.length; start += run) {
    const stretch = points.slice(start, start + run);
    let lo = stretch[0];
    let hi = stretch[0];
    for (const p of stretch) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    kept.push(...(stretch.indexOf(lo) <= stretch.indexOf(hi) ? [lo, hi] : [hi, lo]));
  }
  return kept;
}

/**
 * The threshold trade-off as POST /v1/thresholds draws it ({@link thresholdsSvg}: one line per
 * label, each tuned threshold marked by a dot carrying `data-threshold` and `data-objective`),
 * each curve thinned first to about {@link MAX_DRAWN_POINTS} points ({@link drawnPoints}; a
 * curve short enough is drawn as answered, broken where its objective is undefined).
 */
export function thresholdTradeoffSvg(response: ThresholdsResponse): string {
  const thin = <L extends LabelThreshold>(label: L): L => {
    if (label.curve === undefined || label.curve.thresholds.length <= MAX_DRAWN_POINTS) return label;
    const points = drawnPoints(label.curve);
    return { ...label, curve: { thresholds: points.map(([t]) => t), objective: points.map(([, o]) => o) } };
  };
  return thresholdsSvg('per_label' in response ? { ...response, per_label: response.per_label.map(thin) } : thin(response));
}

/** The tuned threshold of each label (or the model), its objective and its confusion counts. */
function thresholdsTable(response: ThresholdsResponse): string {
  const perLabel = 'per_label' in response;
  const labels: LabelThreshold[] = perLabel ? response.per_label : [response];
  const rows = labels.map((l, i) => {
    const path = perLabel ? ['thresholds', 'per_label', i] : ['thresholds'];
    const counts = (['tp', 'fp', 'tn', 'fn'] as const).map((c) => `<td>${numberHtml(l.counts === null ? null : l.counts[c], l.counts === null ? [...path, 'counts'] : [...path, 'counts', c])}</td>`);
    return `<tr><th scope="row">${seriesName(perLabel ? 'multilabel' : 'binary', i)}</th><td>${numberHtml(l.threshold, [...path, 'threshold'])}</td><td>${numberHtml(l.objective, [...path, 'objective'])}</td>${counts.join('')}</tr>`;
  });
  const head = ['threshold', 'objective', 'tp', 'fp', 'tn', 'fn'].map((h) => `<th scope="col">${h}</th>`).join('');
  const warnings = [...(perLabel ? response.warnings : []), ...labels.flatMap((l, i) => l.warnings.map((w) => (perLabel ? `label ${i}: ${w}` : w)))];
  return `<div class="wide"><table class="thresholds"><thead><tr><th></th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>${warningsHtml(warnings)}`;
}

/** The threshold trade-off: the tuned threshold(s) and counts, and the objective at every threshold drawn. */
function thresholdsSection(data: ReportData): string {
  const { thresholds } = data;
  if (thresholds === null) {
    const why = data.session.task === 'multiclass' ? 'a multiclass session has no decision threshold to tune: thresholds are tuned for binary and multilabel sessions' : NO_ROWS;
    return section('thresholds', titleOf('thresholds'), missing(why));
  }
  const labels = 'per_label' in thresholds ? thresholds.per_label : [thresholds];
  const drawn = labels.some((l) => l.curve !== undefined);
  return section(
    'thresholds',
    titleOf('thresholds'),
    [
      `<p>Decisions are <code>score &gt;= threshold</code> on the scores as sent (${escapeXml(thresholds.input)}); the tuned threshold is the lowest reaching the best objective.</p>`,
      thresholdsTable(thresholds),
      !drawn
        ? missing('the thresholds answer has no curve (asked without return_curve)')
        : labels.length > MAX_DRAWN_LINES
          ? missing(tooManyLines(labels.length, 'multilabel'))
          : figure(thresholdTradeoffSvg(thresholds), 'The objective at every candidate threshold; the dashed line and circle mark the tuned one.'),
    ].join(''),
  );
}

/** The most groups drawn as bars (one bar each, 30 px); the table lists every group. */
const MAX_DRAWN_BARS = 50;

/** The name of a grouped metric's scalar value: the first field that is a number in some group (as metricsSvg reads it). */
function groupValueName(entry: Record<string, unknown>): string | undefined {
  const groups = entry.by_group as Array<Record<string, unknown> | null>;
  return Object.keys(entry).find((k) => k !== 'warnings' && !GROUP_FIELDS.has(k) && groups.some((g) => g !== null && typeof g[k] === 'number'));
}

/**
 * One metric asked `by_group`: a table of the overall value and each group's (value, rows, other
 * fields, warnings) and the summaries group_min, group_max, difference and ratio (GROUPS.md), with
 * the values as bars; a metric without a scalar value (a confusion matrix) shows each group's answer.
 */
function groupedMetricHtml(key: string, entry: Record<string, unknown>, task: string): string {
  const path = ['session', 'metrics', key];
  const groups = entry.by_group as Array<Record<string, unknown> | null>;
  const rowCounts = (entry.group_rows as number[] | undefined) ?? [];
  const name = 'group_min' in entry ? groupValueName(entry) : undefined;
  const heading = `<h3>${escapeXml(key)}, per group</h3>`;
  const rows = rowCounts.length ? `<p>rows per group: ${valueHtml(rowCounts, [...path, 'group_rows'])}</p>` : '';
  if (name === undefined) return `${heading}${rows}${valueHtml(groups, [...path, 'by_group'])}`;
  // Each group's other fields (a per-class list, options) and warnings, in columns shown only when some group has them.
  const others = groups.map((g, i) => {
    if (g === null) return { rest: 'no rows', warnings: '' };
    const { [name]: value, warnings, ...fields } = g;
    // The options (average, multi_class) are the overall entry's: the metrics table shows them once.
    const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => !OPTION_FIELDS.has(k)));
    return { rest: fieldsHtml(rest, [...path, 'by_group', i]), warnings: warningsHtml((warnings as string[] | undefined) ?? []) };
  });
  const withRest = others.some((o) => o.rest !== '' && o.rest !== 'no rows');
  const withWarnings = others.some((o) => o.warnings !== '');
  const line = (label: string, value: string, count: string, i: number | null) =>
    `<tr><th scope="row">${label}</th><td>${value}</td><td>${count}</td>${withRest ? `<td>${i === null ? '' : others[i].rest}</td>` : ''}${withWarnings ? `<td>${i === null ? '' : others[i].warnings}</td>` : ''}</tr>`;
  const lines = groups.map((g, i) => {
    const count = rowCounts[i] === undefined ? '' : numberHtml(rowCounts[i], [...path, 'group_rows', i]);
    const value = g === null ? numberHtml(null, [...path, 'by_group', i]) : numberHtml((g[name] as number | null | undefined) ?? null, [...path, 'by_group', i, name]);
    return line(`group ${i}`, value, count, i);
  });
  const overall = line('overall', numberHtml((entry[name] as number | null | undefined) ?? null, [...path, name]), '', null);
  const summaries = (['group_min', 'group_max', 'difference', 'ratio'] as const).map((s) => `<div><dt>${s}</dt><dd>${numberHtml((entry[s] as number | null | undefined) ?? null, [...path, s])}</dd></div>`);
  const head = ['', escapeXml(name), 'rows', ...(withRest ? ['other fields'] : []), ...(withWarnings ? ['warnings'] : [])].map((h) => (h ? `<th scope="col">${h}</th>` : '<th></th>')).join('');
  const table = `<div class="wide"><table class="groups"><thead><tr>${head}</tr></thead><tbody>${overall}${lines.join('')}</tbody></table></div>`;
  const value = (e: Record<string, unknown> | null) => (e === null || typeof e[name] !== 'number' ? null : (e[name] as number));
  const bars = rowCounts.length === groups.length && groups.length <= MAX_DRAWN_BARS ? figure(groupsSvg({ overall: value(entry), groups: groups.map(value), rows: rowCounts }, `${key} by group, ${task}`), `${key}: overall and each group's value.`) : '';
  return `${heading}${table}<dl class="fields">${summaries.join('')}</dl>${bars}`;
}

/** A fairness metric (GROUPS.md): its value, the groups at the minimum and maximum, and each group's rate (or stat rates). */
function fairnessHtml(key: string, entry: Record<string, unknown>): string {
  const path = ['session', 'metrics', key];
  const perGroup = entry.per_group as Array<number | number[] | null>;
  const { per_group, warnings, ...fields } = entry;
  const statRates = perGroup.some(Array.isArray);
  const columns = statRates ? ['tp', 'fp', 'tn', 'fn'] : ['rate'];
  const marks = (g: number) => [g === entry.min_group ? 'min' : '', g === entry.max_group ? 'max' : ''].filter(Boolean).join(', ');
  const lines = perGroup.map((v, g) => {
    const cells = statRates
      ? v === null
        ? `<td colspan="4">${numberHtml(null, [...path, 'per_group', g])}</td>`
        : (v as number[]).map((x, c) => `<td>${numberHtml(x, [...path, 'per_group', g, c])}</td>`).join('')
      : `<td>${numberHtml(v as number | null, [...path, 'per_group', g])}</td>`;
    return `<tr><th scope="row">group ${g}</th>${cells}${statRates ? '' : `<td>${marks(g)}</td>`}</tr>`;
  });
  const head = `<tr><th></th>${columns.map((c) => `<th scope="col">${c}</th>`).join('')}${statRates ? '' : '<th></th>'}</tr>`;
  return `<h3>${escapeXml(key)}</h3>${fieldsHtml(fields, path)}<div class="wide"><table class="groups">${head}${lines.join('')}</table></div>${warningsHtml((warnings as string[] | undefined) ?? [])}`;
}

/** Per-group tables of every metric asked by_group, and the fairness metrics. */
function groupsSection(session: Session): string {
  const parts = Object.entries(session.metrics).flatMap(([key, entry]) => [
    ...(isGrouped(entry) ? [groupedMetricHtml(key, entry, session.task)] : []),
    ...(isFairness(entry) ? [fairnessHtml(key, entry)] : []),
  ]);
  if (parts.length === 0) {
    return section('groups', titleOf('groups'), missing('the session has no groups: create it with num_groups and a metric asked with by_group: true, or a fairness metric (demographic_parity, equal_opportunity)'));
  }
  return section('groups', titleOf('groups'), parts.join(''));
}

/** Screen and print: readable on a phone (wide tables scroll in their box, plots scale down), one section a page when printed. */
const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.45; color: #1b1b1b; margin: 0 auto; padding: 16px; max-width: 1200px; overflow-wrap: break-word; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 1.1em; margin: 20px 0 6px; }
.id { font-family: ui-monospace, monospace; color: #444; margin: 0 0 8px; }
nav ol { padding-left: 1.4em; columns: 2 14em; }
dl.fields { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 4px 0; }
dl.fields > div { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; max-width: 100%; min-width: 0; }
dl.fields dt { color: #555; }
dl.fields dd { margin: 0; min-width: 0; max-width: 100%; }
dl.fields > div.block { flex-basis: 100%; display: block; }
dl.fields > div.block > dd { margin-left: 12px; }
.caption { margin: 8px 0 2px; font-size: 0.9em; color: #555; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #d6d6d6; padding: 3px 8px; text-align: left; vertical-align: top; }
td .number, td.number { font-variant-numeric: tabular-nums; }
thead th, th[scope=col] { background: #f3f5f8; }
table.metrics { width: 100%; table-layout: fixed; }
table.metrics > thead > tr > th:first-child { width: 28%; }
table.metrics > tbody > tr > th { overflow-wrap: anywhere; }
table.metrics > tbody > tr > td { min-width: 0; }
.wide { max-width: 100%; overflow-x: auto; }
.wide th[scope=row] { white-space: nowrap; }
ol.values, ol.items { list-style: none; padding: 0; margin: 2px 0; display: flex; flex-wrap: wrap; gap: 2px 14px; }
ol.items { flex-direction: column; }
.index { color: #777; font-size: 0.85em; }
.undefined { font-style: italic; color: #8a4b00; }
ul.warnings { margin: 4px 0; padding-left: 1.2em; color: #8a4b00; }
.missing { color: #555; font-style: italic; }
.see { margin: 4px 0; font-size: 0.9em; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 8px 0; flex: 1 1 380px; min-width: 0; max-width: 640px; }
figcaption { font-size: 0.85em; color: #555; }
figure svg { max-width: 100%; height: auto; display: block; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-before: page; }
  figure, tr, dl.fields > div { break-inside: avoid; }
  .wide { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  * { position: static !important; }
}
`;

/**
 * The report page of a session's epoch (DECISIONS.md, Sessions): one self-contained HTML document
 * with no external asset (inline CSS and SVG; a Content-Security-Policy that forbids fetching
 * anything and any script) and no script, printable (one section a page, plots scaled to the page
 * width) and readable on a phone. Its sections:
 *
 * - header: session id, task, rows, batches, expires_at, warnings;
 * - the loss (value, count, reduction) when the session has one;
 * - the metrics table: each metric's fields (numbers, options, per-class lists and matrices), an
 *   undefined value shown as "undefined" beside the metric's warnings;
 * - ROC and precision-recall curves (`rocSvg`, `precisionRecallSvg`) with AUROC, AP and prevalence;
 * - the confusion matrix (`confusionMatrixSvg` and its cells);
 * - calibration: method, parameters, log loss, Brier score and calibration error before and
 *   after, the reliability diagrams before and after (`reliabilitySvg`);
 * - the threshold trade-off: each tuned threshold, its objective and counts, the objective by
 *   threshold drawn with the tuned one marked ({@link thresholdTradeoffSvg});
 * - groups and fairness: per-group tables of metrics asked `by_group` (value and rows per group,
 *   group_min, group_max, difference, ratio) and the fairness metrics' per-group rates.
 *
 * A section without data says why in one line. Every number taken from the data stands in an
 * element with `data-path` (where it is in `data`, src/plots/report-values.ts's `pathText`) and
 * `data-value` (its exact JSON value, `null` for undefined), and shows `formatNumber`'s rounding
 * (integers in full, others to 4 significant digits). All text is escaped: ids, metric keys and
 * warnings come from users. Pure: no I/O, no clock; the page is the same for the same data.
 */
export function renderReport(data: ReportData): string {
  const { session } = data;
  const body = [
    headerSection(session),
    contentsNav(),
    lossSection(session),
    metricsSection(session),
    curvesSection(data),
    confusionMatrixSection(data),
    calibrationSection(data),
    thresholdsSection(data),
    groupsSection(session),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>Session ${escapeXml(session.id)}: report</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
