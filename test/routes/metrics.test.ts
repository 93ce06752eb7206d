import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { metricNames } from '../../src/metrics/registry.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases } from '../support/reference.js';

const multiclass = {
  preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]],
  labels: [0, 2, 1, 1, 2],
};
const binary = { preds: [0.1, 0.3, 0.2, 0.6, 0.05, 0.4, 0.15, 0.7], labels: [0, 0, 0, 0, 0, 0, 0, 1] };

describe.each(bodyPaths)('POST /v1/metrics ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = (payload: object, accept = 'application/json') => app.inject({ method: 'POST', url: '/v1/metrics', payload, headers: { accept } });
  const problem = async (payload: object) => {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    return res.json().errors[0] as { path: string; message: string };
  };

  describe('bad input is a 400 naming the field and what is allowed', () => {
    it.each([
      ['an unknown metric name', { ...binary, metrics: ['f2_score'] }, 'metrics/0', /unknown metric "f2_score": allowed names are "stat_scores"/],
      ['an unknown name in an object', { ...binary, metrics: ['accuracy', { name: 'auprc' }] }, 'metrics/1', /unknown metric "auprc"/],
      ['an option the task does not take', { ...binary, metrics: [{ name: 'precision', top_k: 2 }] }, 'metrics/0/top_k', /binary precision takes "threshold", "zero_division"/],
      ['a metric the task does not have', { ...binary, metrics: ['exact_match'] }, 'metrics/0', /exact_match exists for multiclass, multilabel; this batch is binary/],
      ['an option out of range', { ...binary, metrics: [{ name: 'accuracy', threshold: 2 }] }, 'metrics/0/threshold', /<=1|1/],
      ['an unknown option', { ...binary, metrics: [{ name: 'accuracy', thresold: 0.3 }] }, 'metrics/0/thresold', /unknown field "thresold"/],
      ['fbeta without beta', { ...binary, metrics: ['fbeta_score'] }, 'metrics/0/beta', /is required: fbeta_score needs beta > 0/],
      ['class-index preds without task', { preds: [0, 2, 1, 1], labels: [0, 2, 1, 0], metrics: ['accuracy'] }, 'labels/1', /send task "multiclass" and num_classes/],
      ['one key twice', { ...binary, metrics: ['recall', { name: 'recall', zero_division: 1 }] }, 'metrics/1', /"recall" is asked twice/],
      ['top_k above the number of classes', { ...multiclass, metrics: [{ name: 'accuracy', top_k: 4 }] }, 'metrics/0/top_k', /at most the number of classes \(3\)/],
      ['class-index preds without num_classes', { preds: [0, 2, 1], labels: [0, 1, 1], task: 'multiclass', metrics: ['accuracy'] }, 'num_classes', /required when multiclass preds are class indices/],
      ['a class-index pred out of range', { preds: [0, 2, 1, 3], labels: [0, 1, 1, 0], task: 'multiclass', num_classes: 3, metrics: ['accuracy'] }, 'preds/3', /integers in 0\.\.2, got 3/],
      ['a ranking metric of class indices', { preds: [0, 2, 1], labels: [0, 1, 1], task: 'multiclass', num_classes: 3, metrics: ['auroc'] }, 'preds', /auroc needs scores/],
      ['top_k with class indices', { preds: [0, 2, 1], labels: [0, 1, 1], task: 'multiclass', num_classes: 3, metrics: [{ name: 'recall', top_k: 2 }] }, 'metrics/0/top_k', /class indices/],
      ['a label out of range', { ...multiclass, labels: [0, 2, 3, 1, 2], metrics: ['accuracy'] }, 'labels/2', /expected 0\.\.2/],
      ['an empty metrics list', { ...binary, metrics: [] }, 'metrics', /at least 1|>=1/],
      ['an option of the wrong type', { ...binary, metrics: [{ name: 'accuracy', threshold: '0.5' }] }, 'metrics/0/threshold', /expected number/],
      ['a fractional top_k', { ...multiclass, metrics: [{ name: 'recall', top_k: 1.5 }] }, 'metrics/0/top_k', /expected int/],
      ['a key that is not a string', { ...binary, metrics: [{ name: 'recall', key: 5 }] }, 'metrics/0/key', /expected string/],
      ['a key that names a prototype', { ...binary, metrics: [{ name: 'accuracy', key: '__proto__' }] }, 'metrics/0/key', /reserved/],
      ['a bad average', { ...multiclass, metrics: [{ name: 'f1_score', average: 'mean' }] }, 'metrics/0/average', /micro/],
      ['n_bins below 1', { ...binary, metrics: [{ name: 'calibration_error', n_bins: 0 }] }, 'metrics/0/n_bins', />=1/],
      ['multiclass_mode on a binary batch', { ...binary, metrics: [{ name: 'hinge_loss', multiclass_mode: 'one-vs-all' }] }, 'metrics/0/multiclass_mode', /binary hinge_loss takes "squared"/],
      ['a multiclass-only calibration on multilabel', { preds: [[0.2, 0.9]], labels: [[0, 1]], metrics: ['calibration_error'] }, 'metrics/0', /exists for binary, multiclass/],
      ['log loss of class indices', { preds: [0, 2, 1], labels: [0, 1, 1], task: 'multiclass', num_classes: 3, metrics: ['log_loss'] }, 'preds', /log_loss needs scores/],
      ['min_recall above 1', { ...binary, metrics: [{ name: 'precision_at_fixed_recall', min_recall: 1.5 }] }, 'metrics/0/min_recall', /<=1/],
      ['min_precision missing', { ...binary, metrics: ['recall_at_fixed_precision'] }, 'metrics/0/min_precision', /required/],
      ['min_specificity below 0', { ...binary, metrics: [{ name: 'sensitivity_at_specificity', min_specificity: -0.1 }] }, 'metrics/0/min_specificity', />=0/],
      ['an fpr_range starting at 0', { ...binary, metrics: [{ name: 'logauc', fpr_range: [0, 0.1] }] }, 'metrics/0/fpr_range', /0 < a < b <= 1/],
      ['an fpr_range of one number', { ...binary, metrics: [{ name: 'logauc', fpr_range: [0.1] }] }, 'metrics/0/fpr_range', /2|tuple|items/],
      ['a weighted eer', { ...multiclass, metrics: [{ name: 'eer', average: 'weighted' }] }, 'metrics/0/average', /micro/],
      ['eer average on multilabel', { preds: [[0.2, 0.9]], labels: [[0, 1]], metrics: [{ name: 'eer', average: 'micro' }] }, 'metrics/0/average', /multilabel eer takes "thresholds"/],
      ['a multilabel-only metric on a multiclass batch', { ...multiclass, metrics: ['coverage_error'] }, 'metrics/0', /exists for multilabel; this batch is multiclass/],
      ['a negative sample weight', { ...binary, sample_weight: binary.labels.map((_, i) => (i === 2 ? -1 : 1)), metrics: ['accuracy'] }, 'sample_weight/2', /weights must be >= 0, got -1/],
      ['a null sample weight', { ...binary, sample_weight: binary.labels.map((_, i) => (i === 1 ? null : 1)), metrics: ['accuracy'] }, 'sample_weight/1', /finite/],
      ['one sample weight too few', { ...binary, sample_weight: binary.labels.slice(1).map(() => 1), metrics: ['accuracy'] }, 'sample_weight', /one weight per sample, shaped \[\d+\]/],
      ['sample weights per entry of a multilabel batch', { preds: [[0.2, 0.9]], labels: [[0, 1]], sample_weight: [[1, 1]], metrics: ['accuracy'] }, 'sample_weight', /shaped \[1\]/],
      ['DeLong with sample weights', { ...binary, sample_weight: binary.labels.map(() => 2), metrics: [{ name: 'auroc', ci: { method: 'delong' } }] }, 'metrics/0/ci/method', /no weighted form/],
      ['one-vs-one with sample weights', { ...multiclass, sample_weight: multiclass.labels.map(() => 1), metrics: [{ name: 'auroc', multi_class: 'ovo' }] }, 'metrics/0/multi_class', /no weighted one-vs-one/],
      ['average samples on a multiclass batch', { ...multiclass, metrics: [{ name: 'f1_score', average: 'samples' }] }, 'metrics/0/average', /multilabel only/],
      ['DeLong on a binned AUROC', { ...binary, metrics: [{ name: 'auroc', thresholds: 5, ci: { method: 'delong' } }] }, 'metrics/0/ci/method', /bootstrap/],
    ])('%s', async (_what, payload, path, message) => {
      const error = await problem(payload);
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    });

    it('413 for more classes than a state may hold, naming what sets them', async () => {
      const tooMany = await post({ preds: [0, 0], labels: [0, 0], task: 'multiclass', num_classes: 40_000, metrics: ['accuracy'] });
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json().errors[0].path).toBe('num_classes');
      const matrix = await post({ preds: [0, 0], labels: [0, 0], task: 'multiclass', num_classes: 2000, metrics: ['accuracy', 'confusion_matrix'] });
      expect(matrix.statusCode).toBe(413);
      expect(matrix.json().errors[0]).toMatchObject({ path: 'metrics/1', message: expect.stringMatching(/at most 1024 classes/) });
      // Metrics of per-class counts take them: 4 · C numbers.
      const wide = await post({ preds: [0, 1999], labels: [0, 1999], task: 'multiclass', num_classes: 2000, metrics: ['accuracy', { name: 'f1_score', average: 'micro' }, 'matthews_corrcoef'] });
      expect(wide.statusCode, wide.body).toBe(200);
      expect(wide.json().metrics.f1_score.f1_score).toBe(1);
    });

    it('413 for an answer of more than 1,048,576 values, and one warning per kind of 0/0 however many classes', async () => {
      const many = Array.from({ length: 40 }, (_, i) => ({ name: 'recall', key: `r${i}` }));
      const big = await post({ preds: [0], labels: [0], task: 'multiclass', num_classes: 30_000, metrics: many });
      expect(big.statusCode).toBe(413);
      expect(big.json().errors[0]).toMatchObject({ path: 'metrics', message: expect.stringMatching(/1,200,000 values; at most 1,048,576/) });
      const res = await post({ preds: [0], labels: [0], task: 'multiclass', num_classes: 30_000, metrics: [{ name: 'recall', average: 'none' }, { name: 'precision', average: 'weighted' }, 'jaccard_index'] });
      expect(res.statusCode, res.body).toBe(200);
      const { metrics } = res.json();
      expect(metrics.recall.warnings).toEqual(['classes 1–29999: recall is 0/0 (no positive samples); 0 by zero_division']);
      expect(metrics.precision.warnings).toEqual(['classes 1–29999: precision is 0/0 (nothing predicted positive); 0 by zero_division']);
      expect(metrics.jaccard_index.warnings).toEqual(['classes 1–29999: jaccard_index is 0/0 (no samples and nothing predicted); 0 by zero_division']);
      expect(res.body.length).toBeLessThan(400_000);
    });

    it('lists every metric of the registry when a name is unknown', async () => {
      const error = await problem({ ...binary, metrics: ['nope'] });
      for (const name of metricNames) expect(error.message).toContain(`"${name}"`);
    });
  });

  it('asks one metric twice under two keys, sharing one state', async () => {
    const res = await post({ ...multiclass, metrics: ['f1_score', { name: 'f1_score', average: 'micro', key: 'f1_micro' }, { name: 'stat_scores', average: 'none' }] });
    expect(res.statusCode, res.body).toBe(200);
    const { metrics } = res.json();
    expect(Object.keys(metrics)).toEqual(['f1_score', 'f1_micro', 'stat_scores']);
    // Micro F1 of single-label multiclass is the accuracy: 4 of 5 rows right (row 3 predicts 0 for a 1).
    expect(metrics.f1_micro.f1_score).toBe(0.8);
    expect(metrics.stat_scores.tp).toEqual([1, 1, 2]);
    expect(metrics.stat_scores.fp).toEqual([1, 0, 0]);
  });

  it('a large batch (argmax and counts in WebAssembly) answers what its argmax sent as class indices answers', async () => {
    const rows = 2_001;
    const classes = 5;
    const preds = Array.from({ length: rows }, (_, i) => Array.from({ length: classes }, (_, c) => ((i * 31 + c * 17) % 11) / 10));
    const labels = Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? -1 : (i * 7) % classes));
    const argmax = preds.map((row) => row.indexOf(Math.max(...row)));
    const names = ['stat_scores', 'confusion_matrix', 'accuracy', 'precision', 'recall', 'specificity', 'negative_predictive_value', 'f1_score', 'jaccard_index', 'hamming_distance', 'exact_match', 'matthews_corrcoef', 'cohen_kappa', 'balanced_accuracy', 'geometric_mean'];
    const fromScores = (await post({ preds, labels, ignore_index: -1, metrics: names })).json();
    const fromIndices = (await post({ preds: argmax, labels, ignore_index: -1, task: 'multiclass', num_classes: classes, metrics: names })).json();
    expect(fromScores.metrics).toEqual(fromIndices.metrics);
  });

  it('reports class-index input, and batch decisions once', async () => {
    const indices = await post({ preds: [0, 2, 1], labels: [0, 1, 1], task: 'multiclass', num_classes: 3, metrics: ['accuracy'] });
    expect(indices.json()).toMatchObject({ task: 'multiclass', input: 'classes', warnings: [] });
    const logits = (await post({ preds: [2.5, -1, 0.3], labels: [1, 0, 1], metrics: ['accuracy', 'auroc'] })).json();
    expect(logits.input).toBe('logits');
    expect(logits.warnings.join(' ')).toMatch(/read as logits/);
    expect(logits.metrics.auroc.warnings).toEqual([]);
  });

  it('answers null with a warning where a value is undefined, and names the class of a 0/0', async () => {
    const { metrics } = (await post({ preds: [0.8123], labels: [1], metrics: ['cohen_kappa', { name: 'precision', threshold: 0.9 }] })).json();
    expect(metrics.cohen_kappa.cohen_kappa).toBeNull();
    expect(metrics.cohen_kappa.warnings[0]).toMatch(/undefined \(null\)/);
    expect(metrics.precision).toEqual({ precision: 0, warnings: ['the batch: precision is 0/0 (nothing predicted positive); 0 by zero_division'] });
  });

  describe('Accept: image/svg+xml draws the confusion matrix', () => {
    const parse = (svg: string) => {
      expect(XMLValidator.validate(svg)).toBe(true);
      return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg).svg;
    };
    const cells = (svg: { g: unknown }) => {
      const groups = ([] as Array<{ 'data-matrix'?: string; rect: Array<Record<string, string>>; text: unknown }>).concat(svg.g as never).filter((g) => g['data-matrix'] !== undefined);
      return groups.map((g) => g.rect.map((r) => ({ row: Number(r['data-row']), column: Number(r['data-column']), value: Number(r['data-value']) })));
    };

    it('a C × C heat map: class indices on both axes, counts in the cells, a colour scale', async () => {
      const body = { ...multiclass, metrics: ['accuracy', 'confusion_matrix'] };
      const json = (await post(body)).json();
      const res = await post(body, 'image/svg+xml');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
      const svg = parse(res.body);
      const [matrix] = cells(svg);
      expect(matrix).toHaveLength(9);
      for (const cell of matrix) expect(cell.value).toBe(json.metrics.confusion_matrix.confusion_matrix[cell.row][cell.column]);
      expect(res.body).toContain('True label');
      expect(res.body).toContain('Predicted label');
      expect(res.body).toMatch(/data-colour-scale/);
      // Cell texts show the counts.
      expect(res.body).toMatch(/>2<\/text>/);
    });

    it('rates when normalized, and one 2 × 2 per label for multilabel', async () => {
      const normalized = await post({ ...multiclass, metrics: [{ name: 'confusion_matrix', normalize: 'true' }] }, 'image/svg+xml');
      expect(normalized.body).toContain('rates by true label');
      expect(normalized.body).toMatch(/>0\.5<\/text>/);
      const multilabel = await post({ preds: [[0.9, 0.2], [0.3, 0.8], [0.6, 0.4]], labels: [[1, 0], [0, 1], [0, 0]], metrics: ['confusion_matrix'] }, 'image/svg+xml');
      const matrices = cells(parse(multilabel.body));
      expect(matrices).toHaveLength(2);
      expect(matrices.every((m) => m.length === 4)).toBe(true);
      expect(multilabel.body).toContain('label 1');
    });

    it('a reliability diagram for calibration_error: a bar per non-empty bin at its accuracy, counts below, the error in the legend', async () => {
      const c = loadCases('classification.json').find((x) => x.name.startsWith('multiclass calibration_error n_bins 10'))!;
      const json = (await post(c.request)).json().metrics.calibration_error;
      const res = await post(c.request, 'image/svg+xml');
      expect(res.statusCode).toBe(200);
      const svg = parse(res.body);
      const rects = ([] as Array<Record<string, string>>).concat(svg.rect as never);
      const bars = rects.filter((r) => r['data-bin'] !== undefined);
      expect(bars.map((r) => Number(r['data-bin']))).toEqual(json.bins.count.flatMap((n: number, b: number) => (n > 0 ? [b] : [])));
      for (const bar of bars) expect(Number(bar['data-accuracy'])).toBe(json.bins.accuracy[Number(bar['data-bin'])]);
      expect(rects.filter((r) => r['data-count-bar'] !== undefined)).toHaveLength(10);
      expect(res.body).toContain(`calibration error (l2) = ${json.calibration_error.toFixed(4)}`);
    });

    it('406 when no confusion_matrix was asked, or JSON when the client takes it too', async () => {
      const res = await post({ ...multiclass, metrics: ['accuracy'] }, 'image/svg+xml');
      expect(res.statusCode).toBe(406);
      expect(res.json().errors[0]).toMatchObject({ path: 'metrics', message: expect.stringMatching(/confusion_matrix/) });
      const either = await post({ ...multiclass, metrics: ['accuracy'] }, 'image/svg+xml, application/json;q=0.5');
      expect(either.statusCode).toBe(200);
      expect(either.headers['content-type']).toMatch(/^application\/json/);
      expect(either.json().metrics.accuracy.accuracy).toBeCloseTo(0.8333333333, 9);
    });

    it('draws up to 128 classes, small cells without their counts; more is 406', async () => {
      const classes = 100;
      const labels = Array.from({ length: 300 }, (_, i) => i % classes);
      const preds = labels.map((y, i) => (i % 3 === 0 ? (y + 1) % classes : y));
      const res = await post({ preds, labels, task: 'multiclass', num_classes: classes, metrics: ['confusion_matrix'] }, 'image/svg+xml');
      expect(res.statusCode).toBe(200);
      const [matrix] = cells(parse(res.body));
      expect(matrix).toHaveLength(classes * classes);
      const doc = parse(res.body);
      const panel = ([] as Array<Record<string, unknown>>).concat(doc.g as never).find((g) => g['data-matrix'] !== undefined) as { rect: Array<Record<string, string>> };
      expect(Number(panel.rect[0].width)).toBeGreaterThanOrEqual(4);
      const wide = await post({ preds: [0, 1], labels: [0, 1], task: 'multiclass', num_classes: 200, metrics: ['confusion_matrix'] }, 'image/svg+xml');
      expect(wide.statusCode).toBe(406);
      expect(wide.json().errors[0].message).toMatch(/at most 128 classes/);
    });
  });
});
