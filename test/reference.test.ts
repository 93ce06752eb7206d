import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { bodyPaths, testApp } from './support/app.js';
import { metricNames } from '../src/metrics/registry.js';
import { loadCases, mismatch, referenceDir, vectorsDir, type ReferenceCase } from './support/reference.js';

/** The metrics a /v1/metrics case asks for. */
const metricsOf = (c: ReferenceCase): string[] =>
  ((c.request.metrics ?? []) as Array<string | { name: string }>).map((m) => (typeof m === 'string' ? m : m.name));

/**
 * The catalogue metrics of METRICS.md that the registry does not serve yet (issue 16). Their
 * cases of classification.json are the only ones not run; the test below fails as soon as one
 * of them joins the registry, so its cases cannot stay unrun.
 */
export const NOT_YET_SERVED: string[] = [];

/**
 * The endpoints whose weighted.json cases run (issue 16 adds sample_weight endpoint by endpoint);
 * the coverage test below fails while an endpoint of weighted.json is missing here.
 */
const WEIGHTED_READY = new Set<string>(['/v1/focal-loss', '/v1/auroc', '/v1/average-precision', '/v1/roc', '/v1/precision-recall-curve', '/v1/metrics']);

const served = (c: ReferenceCase) => metricsOf(c).every((name) => metricNames.includes(name));

/** The endpoints groups.json posts to that the service does not serve yet (the DET curve, branch sklearn-rows). */
const GROUPS_ENDPOINTS_NOT_YET_SERVED = ['/v1/det-curve'];

/**
 * The metrics of groups.json the registry does not serve yet: scikit-learn's rows (issue 26's
 * other half, branch sklearn-rows). The coverage test fails as soon as one joins the registry.
 */
const GROUPS_NOT_YET_SERVED = ['class_likelihood_ratios', 'classification_report', 'd2_brier_score', 'd2_log_loss_score'];

const groupsServed = (c: ReferenceCase) => !GROUPS_ENDPOINTS_NOT_YET_SERVED.includes(c.endpoint) && served(c);

const files = [
  { file: 'focal_loss.json', dir: referenceDir, select: () => true },
  { file: 'auroc.json', dir: referenceDir, select: () => true },
  { file: 'ranking.json', dir: referenceDir, select: () => true },
  { file: 'classification.json', dir: referenceDir, select: served },
  { file: 'weighted.json', dir: referenceDir, select: (c: ReferenceCase) => WEIGHTED_READY.has(c.endpoint) },
  { file: 'correctness.json', dir: vectorsDir, select: () => true },
  { file: 'metrics.json', dir: vectorsDir, select: () => true },
  // scikit-learn's conventions behind an option: zero_division "nan", hinge_loss of decision
  // values, MCC's degenerate 0 (each file made by the .py beside it, in the reference venv).
  { file: 'zero-division-nan.json', dir: vectorsDir, select: () => true },
  { file: 'hinge-decision-values.json', dir: vectorsDir, select: () => true },
  { file: 'matthews-degenerate-zero.json', dir: vectorsDir, select: () => true },
  // torchmetrics' multidim_average "samplewise" over [N, ...] inputs (and "global" on them).
  { file: 'samplewise.json', dir: vectorsDir, select: () => true },
  // Every metric of the catalogue on inputs with extra dimensions, pooled ("global").
  { file: 'multidim-global.json', dir: vectorsDir, select: () => true },
  // GROUPS.md: by_group on the catalogue, the fairness metrics (and scikit-learn's rows once served).
  { file: 'groups.json', dir: referenceDir, select: groupsServed },
];

describe('classification.json coverage', () => {
  it('runs every case except those of the metrics not yet served, which the registry lacks', () => {
    const cases = loadCases('classification.json', referenceDir);
    const unserved = new Set(cases.flatMap(metricsOf).filter((name) => !metricNames.includes(name)));
    expect([...unserved].sort()).toEqual([...NOT_YET_SERVED].sort());
    expect(cases.filter(served).length).toBe(92);
  });
});

describe('groups.json coverage', () => {
  it('runs every case except those of the metrics and endpoints not yet served', () => {
    const cases = loadCases('groups.json', referenceDir);
    const unserved = new Set(cases.flatMap(metricsOf).filter((name) => !metricNames.includes(name)));
    expect([...unserved].sort()).toEqual([...GROUPS_NOT_YET_SERVED].sort());
    const endpoints = new Set(cases.map((c) => c.endpoint).filter((e) => e !== '/v1/metrics'));
    expect([...endpoints].sort()).toEqual([...GROUPS_ENDPOINTS_NOT_YET_SERVED].sort());
    expect(cases.filter(groupsServed).length).toBe(49);
  });
});

describe.each(bodyPaths)('reference vectors through the routes ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  describe.each(files)('$file', ({ file, dir, select }) => {
    const cases = loadCases(file, dir).filter(select);

    it('has cases', () => {
      expect(cases.length).toBeGreaterThan(0);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const response = await app.inject({ method: 'POST', url: c.endpoint, payload: c.request });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      for (const [field, want] of Object.entries(c.expected)) {
        expect(mismatch(body[field], want, c.tolerance, field), `${c.source}`).toBeNull();
      }
    });
  });
});
