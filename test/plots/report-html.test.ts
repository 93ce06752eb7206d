import { describe, expect, it } from 'vitest';
import { renderReport, thresholdTradeoffSvg, type ReportData } from '../../src/plots/report-html.js';
import { at } from '../support/report-paths.js';

/** The rounding the page promises: integers in full (en-US groups), others to 4 significant digits, null as "undefined". */
const rounding = (v: number | null): string => (v === null ? 'undefined' : Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4))));

const unescape = (text: string): string =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] as string);

/** Every number element of a page: its data-path, data-value and text. */
function numbersOf(html: string): Array<{ path: string; value: string; text: string }> {
  const found = [...html.matchAll(/<span class="number[^"]*" data-path="([^"]*)" data-value="([^"]*)">([^<]*)<\/span>/g)];
  return found.map(([, path, value, text]) => ({ path: unescape(path), value, text }));
}

const bins = (accuracy: Array<number | null>) => ({
  lower: [0, 0.5],
  upper: [0.5, 1],
  count: [3, 2],
  confidence: [0.25, 0.8125],
  accuracy,
});

/** A binary session with a loss, grouped and fairness metrics, an undefined metric, and every section filled. */
function sample(): ReportData {
  return {
    session: {
      id: '0123456789abcdef0123456789abcdef',
      task: 'binary',
      rows: 1234567,
      batches: 12,
      loss: { loss: 0.123456789, count: 1234567, reduction: 'mean' },
      metrics: {
        auroc: { average: null, multi_class: null, auroc: 0.8765432, warnings: [] },
        precision: { precision: null, warnings: ['no positive predictions: precision is undefined (null)'] },
        'f1.score~x': { f1_score: 2 / 3, warnings: [] },
        calibration_error: { calibration_error: 0.0421, norm: 'l1', bins: bins([0, 1]), warnings: [] },
        confusion_matrix: { confusion_matrix: [[5, 1], [2, 7]], normalize: null, warnings: [] },
        classification_report: {
          per_class: [
            { precision: 0.7142857, recall: 0.8333333, f1_score: 0.7692308, support: 6 },
            { precision: 0.875, recall: 0.7777778, f1_score: 0.8235294, support: 9 },
          ],
          accuracy: 0.8,
          macro_avg: { precision: 0.7946, recall: 0.8056, f1_score: 0.7964, support: 15 },
          weighted_avg: { precision: 0.8107, recall: 0.8, f1_score: 0.8018, support: 15 },
          warnings: [],
        },
        f1_by_group: {
          f1_score: 0.75,
          by_group: [{ f1_score: 0.8, warnings: [] }, { f1_score: 0.6, warnings: ['one positive'] }, null],
          group_rows: [10, 5, 0],
          group_min: 0.6,
          group_max: 0.8,
          difference: 0.2,
          ratio: 0.75,
          warnings: ['by_group: group 2 has no rows (null)'],
        },
        demographic_parity: { demographic_parity: 0.5, min_group: 1, max_group: 0, per_group: [0.4, 0.2, null], warnings: [] },
        groups_stat_rates: { groups_stat_rates: null, per_group: [[0.1, 0.2, 0.3, 0.4], null, [0.25, 0.25, 0.25, 0.25]], warnings: [] },
      },
      warnings: ['a session warning'],
      expires_at: '2026-12-08T00:00:00.000Z',
    },
    roc: { task: 'binary', input: 'probs', fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [0.9000000000000001, 0.9, 0.4, 0.1], auroc: 0.875, warnings: [] },
    precisionRecall: { task: 'binary', input: 'probs', precision: [0.5, 0.6667, 1, 1], recall: [1, 1, 0.5, 0], thresholds: [0.1, 0.4, 0.9], average_precision: 0.8333, prevalence: 0.4, warnings: [] },
    confusionMatrix: { confusion_matrix: [[5, 1], [2, 7]], normalize: null, warnings: [] },
    thresholds: {
      threshold: 0.35,
      objective: 0.8,
      counts: { tp: 4, fp: 1, tn: 3, fn: 1 },
      curve: { thresholds: [0.9, 0.6, 0.35, 0.1], objective: [0.5, 0.6667, 0.8, null] },
      warnings: [],
      input: 'probs',
    },
    calibration: {
      response: {
        task: 'binary',
        input: 'probs',
        method: 'sigmoid',
        a: -3.14159,
        b: 1.5,
        before: { log_loss: 0.5123, brier_score: 0.17, calibration_error: 0.0421 },
        after: { log_loss: 0.4987, brier_score: 0.16, calibration_error: 0.0312 },
        warnings: [],
      },
      bins: { before: bins([0, 1]), after: bins([0.3333, 1]) },
    },
  };
}

/** A session that keeps no rows: no curves, no thresholds, no calibration, no confusion matrix, no loss, no groups. */
function bare(task: 'binary' | 'multiclass'): ReportData {
  return {
    session: {
      id: 'fedcba9876543210fedcba9876543210',
      task,
      rows: 10,
      batches: 1,
      loss: null,
      metrics: { accuracy: { accuracy: 0.7, warnings: [] } },
      warnings: [],
      expires_at: '2026-12-08T00:00:00.000Z',
    },
    roc: null,
    precisionRecall: null,
    confusionMatrix: null,
    thresholds: null,
    calibration: null,
  };
}

/** The text of one section of the page. */
const sectionOf = (html: string, id: string): string => {
  const match = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!match) throw new Error(`no section ${id}`);
  return match[1];
};

describe('renderReport', () => {
  it('escapes hostile text from users: metric keys, warnings, ids', () => {
    const data = sample();
    const hostile = '</script><img src=x onerror=alert(1)>';
    data.session.id = `"><b>${hostile}`;
    data.session.metrics.auroc.warnings = [hostile];
    data.session.metrics[`${hostile}.key`] = { accuracy: 0.5, warnings: [hostile] };
    data.session.warnings = [hostile];
    const html = renderReport(data);
    expect(html).not.toMatch(/<img|<script|<b>/i);
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // The hostile key is a path segment too: escaped as an attribute, its dot written ~1.
    expect(html).toContain('data-path="session.metrics.&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;~1key.accuracy"');
  });

  it('references nothing outside the page and runs no script', () => {
    const html = renderReport(sample());
    expect(html).not.toMatch(/\b(src|href|xlink:href|action)\s*=\s*["']?\s*(https?:|\/\/|data:|javascript:)/i);
    expect(html).not.toMatch(/url\(\s*["']?(?!#)/i);
    expect(html).not.toMatch(/@import|<link|<script|<iframe|<object|<embed|<img|\son[a-z]+\s*=/i);
    // Only links inside the page.
    for (const [, target] of html.matchAll(/href="([^"]*)"/g)) expect(target).toMatch(/^#[a-z-]+$/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    expect(html).toMatch(/@media print \{[\s\S]*section \{ break-before: page; \}/);
  });

  it('shows every number of the data at its data-path with its exact data-value and its rounding', () => {
    const data = sample();
    const html = renderReport(data);
    const numbers = numbersOf(html);
    for (const { path, value, text } of numbers) {
      const expected = at(data, path);
      expect(expected === null || typeof expected === 'number', path).toBe(true);
      expect(JSON.parse(value), path).toBe(expected);
      expect(text, path).toBe(rounding(expected as number | null));
    }
    const paths = new Set(numbers.map((n) => n.path));
    const expected = [
      'session.rows',
      'session.batches',
      'session.loss.loss',
      'session.loss.count',
      'session.metrics.auroc.auroc',
      'session.metrics.precision.precision',
      'session.metrics.f1~1score~0x.f1_score',
      'session.metrics.calibration_error.calibration_error',
      ...['lower', 'upper', 'count', 'confidence', 'accuracy'].flatMap((k) => [0, 1].map((i) => `session.metrics.calibration_error.bins.${k}.${i}`)),
      ...[0, 1].flatMap((i) => [0, 1].map((j) => `session.metrics.confusion_matrix.confusion_matrix.${i}.${j}`)),
      ...[0, 1].flatMap((c) => ['precision', 'recall', 'f1_score', 'support'].map((k) => `session.metrics.classification_report.per_class.${c}.${k}`)),
      'session.metrics.classification_report.accuracy',
      ...['macro_avg', 'weighted_avg'].flatMap((a) => ['precision', 'recall', 'f1_score', 'support'].map((k) => `session.metrics.classification_report.${a}.${k}`)),
      'session.metrics.f1_by_group.f1_score',
      'session.metrics.f1_by_group.by_group.0.f1_score',
      'session.metrics.f1_by_group.by_group.1.f1_score',
      'session.metrics.f1_by_group.by_group.2',
      ...[0, 1, 2].map((g) => `session.metrics.f1_by_group.group_rows.${g}`),
      ...['group_min', 'group_max', 'difference', 'ratio'].map((s) => `session.metrics.f1_by_group.${s}`),
      'session.metrics.demographic_parity.demographic_parity',
      'session.metrics.demographic_parity.min_group',
      'session.metrics.demographic_parity.max_group',
      ...[0, 1, 2].map((g) => `session.metrics.demographic_parity.per_group.${g}`),
      'session.metrics.groups_stat_rates.groups_stat_rates',
      ...[0, 1, 2, 3].flatMap((c) => [`session.metrics.groups_stat_rates.per_group.0.${c}`, `session.metrics.groups_stat_rates.per_group.2.${c}`]),
      'session.metrics.groups_stat_rates.per_group.1',
      'roc.auroc',
      'precisionRecall.average_precision',
      'precisionRecall.prevalence',
      ...[0, 1].flatMap((i) => [0, 1].map((j) => `confusionMatrix.confusion_matrix.${i}.${j}`)),
      'thresholds.threshold',
      'thresholds.objective',
      ...['tp', 'fp', 'tn', 'fn'].map((c) => `thresholds.counts.${c}`),
      'calibration.response.a',
      'calibration.response.b',
      ...['before', 'after'].flatMap((w) => ['log_loss', 'brier_score', 'calibration_error'].map((m) => `calibration.response.${w}.${m}`)),
    ];
    expect(expected.filter((p) => !paths.has(p))).toEqual([]);
    // A few roundings spelled out: integers in full, others to 4 significant digits.
    const text = (path: string) => numbers.find((n) => n.path === path)!.text;
    expect(text('session.rows')).toBe('1,234,567');
    expect(text('session.loss.loss')).toBe('0.1235');
    expect(text('session.metrics.f1~1score~0x.f1_score')).toBe('0.6667');
    expect(text('calibration.response.a')).toBe('-3.142');
    expect(text('session.metrics.precision.precision')).toBe('undefined');
  });

  it("shows an undefined value as 'undefined' beside the metric's warnings, and an option that does not apply as 'none'", () => {
    const html = renderReport(sample());
    const row = /<tr data-metric="precision">[\s\S]*?<\/tr>/.exec(html)![0];
    expect(row).toContain('data-value="null">undefined</span>');
    expect(row).toContain('<ul class="warnings"><li>no positive predictions: precision is undefined (null)</li></ul>');
    const auroc = /<tr data-metric="auroc">[\s\S]*?<\/tr>/.exec(html)![0];
    expect(auroc).toContain('<dt>average</dt><dd><span class="text">none</span></dd>');
    expect(auroc).not.toContain('session.metrics.auroc.average');
  });

  it('draws each plot: curves, confusion matrix, reliability before and after, the trade-off with its tuned threshold, groups as bars', () => {
    const html = renderReport(sample());
    expect(sectionOf(html, 'curves').match(/<svg /g)).toHaveLength(2);
    expect(sectionOf(html, 'confusion-matrix')).toContain('<rect data-row="1" data-column="0" data-value="2"');
    expect(sectionOf(html, 'calibration').match(/<title>(Before|After) sigmoid calibration, binary<\/title>/g)).toHaveLength(2);
    expect(sectionOf(html, 'thresholds')).toContain('data-threshold="0.35"');
    expect(sectionOf(html, 'groups')).toContain('<title>f1_by_group by group, binary</title>');
  });

  it('says in one line why a section has no data', () => {
    const binary = renderReport(bare('binary'));
    const keepsNoRows = 'the session keeps no rows: create it with keep_rows: true (or with an exact ranking metric, such as auroc without thresholds)';
    for (const id of ['curves', 'calibration', 'thresholds']) expect(sectionOf(binary, id)).toContain(`<p class="missing">${keepsNoRows}</p>`);
    expect(sectionOf(binary, 'loss')).toContain('<p class="missing">the session computes no loss');
    expect(sectionOf(binary, 'confusion-matrix')).toContain('<p class="missing">no confusion matrix: the session asks for no confusion_matrix and keeps no rows to compute one</p>');
    expect(sectionOf(binary, 'groups')).toContain('<p class="missing">the session has no groups: create it with num_groups');
    expect(binary).not.toContain('<svg');
    const multiclass = renderReport(bare('multiclass'));
    expect(sectionOf(multiclass, 'thresholds')).toContain('<p class="missing">a multiclass session has no decision threshold to tune');
  });

  it('stays small for an epoch of a million rows: each curve drawn with at most 2,000 points', () => {
    const data = sample();
    const n = 1_000_000;
    const rising = Array.from({ length: n }, (_, i) => i / (n - 1));
    const falling = rising.map((r) => 1 - r);
    data.roc = { ...data.roc!, fpr: rising, tpr: rising.map(Math.sqrt), thresholds: falling };
    data.precisionRecall = { ...data.precisionRecall!, recall: falling, precision: rising.map((r) => 0.4 + 0.6 * r), thresholds: rising.slice(1) };
    data.thresholds = { ...data.thresholds!, curve: { thresholds: falling, objective: rising.map((r) => r * (1 - r)) } } as ReportData['thresholds'];
    const html = renderReport(data);
    const polylines = [...html.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map(([, points]) => points.split(' ').length);
    expect(polylines).toHaveLength(3);
    for (const points of polylines) expect(points).toBeLessThanOrEqual(4002);
    expect(html.length).toBeLessThan(1_000_000);
    // The areas shown are the data's, not the drawn points'.
    expect(numbersOf(html).find((x) => x.path === 'roc.auroc')!.value).toBe('0.875');
  });

  it('draws no plot of more than 20 lines (the tables still give every class), and no heat map of more than 128 classes', () => {
    const data = sample();
    const classes = 200;
    const curve = { fpr: [0, 1], tpr: [0, 1], thresholds: [1, 0], auroc: 0.5 };
    data.session.task = 'multiclass';
    data.roc = { task: 'multiclass', input: 'probs', per_class: Array.from({ length: classes }, () => curve), warnings: [] };
    const pr = { precision: [0.5, 1], recall: [1, 0], thresholds: [0], average_precision: 0.5, prevalence: 0.5 };
    data.precisionRecall = { task: 'multiclass', input: 'probs', per_class: Array.from({ length: classes }, () => pr), warnings: [] };
    data.confusionMatrix = { confusion_matrix: Array.from({ length: classes }, () => new Array(classes).fill(1)), normalize: null, warnings: [] };
    data.thresholds = null;
    const html = renderReport(data);
    const curves = sectionOf(html, 'curves');
    expect(curves).not.toContain('<svg');
    expect(curves).toContain('<p class="missing">200 classes: plots are drawn for at most 20 (one line each); the table gives each one&apos;s values</p>');
    expect(curves).toContain('data-path="roc.per_class.199.auroc"');
    const matrix = sectionOf(html, 'confusion-matrix');
    // Booleans, not the section: a failure would print 40,000 cells.
    expect(matrix.includes('<svg')).toBe(false);
    expect(matrix.includes('a heat map is drawn for at most 128 classes or labels (this one has 200)')).toBe(true);
    expect(matrix.includes('more than 1,024 values, not listed here')).toBe(true);
    expect(matrix.length).toBeLessThan(1000);
  });

  it('names a list too long to show instead of listing it (isotonic breakpoints of a large epoch)', () => {
    const data = sample();
    const x = Array.from({ length: 5000 }, (_, i) => i / 5000);
    data.calibration!.response = { ...data.calibration!.response, method: 'isotonic', a: undefined, b: undefined, x, y: x };
    const html = renderReport(data);
    expect(sectionOf(html, 'calibration')).toContain('more than 1,024 values, not listed here (the JSON answer has them)');
    expect(html).not.toContain('calibration.response.x.0"');
  });
});

describe('thresholdTradeoffSvg', () => {
  it('marks the tuned threshold of each label that has one, one line per label', () => {
    const svg = thresholdTradeoffSvg({
      per_label: [
        { threshold: 0.25, objective: 0.5, counts: { tp: 1, fp: 1, tn: 1, fn: 1 }, curve: { thresholds: [1, 0.25, -1], objective: [0.2, 0.5, 0.4] }, warnings: [] },
        { threshold: null, objective: null, counts: null, curve: { thresholds: [0.5, 0], objective: [0.1, 0.3] }, warnings: ['no threshold meets the constraint'] },
      ],
      input: 'logits',
      warnings: [],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // Drawn as POST /v1/thresholds draws it: label 0's tuned threshold marked with its numbers, label 1's none.
    expect(svg).toContain('data-label="0" data-threshold="0.25" data-objective="0.5"');
    expect(svg).not.toContain('data-label="1"');
    expect(svg).toContain('label 1: no threshold chosen (see warnings)');
  });

  it('draws a curve of a million thresholds with a few thousand points, keeping its highest', () => {
    const n = 1_000_000;
    const thresholds = Array.from({ length: n }, (_, i) => 1 - i / n);
    const objective = thresholds.map((t, i) => (i === 123_457 ? 0.99 : 0.5 + 0.1 * Math.sin(40 * t)));
    const svg = thresholdTradeoffSvg({ threshold: thresholds[123_457], objective: 0.99, counts: { tp: 1, fp: 0, tn: 1, fn: 0 }, curve: { thresholds, objective }, warnings: [], input: 'probs' });
    const points = /<polyline data-series="0" points="([^"]*)"/.exec(svg)![1].split(' ');
    expect(points.length).toBeLessThanOrEqual(2002);
    // The peak's height, 0.99 on the axis 0 … 1, is drawn (plot y = 48 + (1 − 0.99) · 400).
    expect(points.some((p) => p.endsWith(',52'))).toBe(true);
  });
});
