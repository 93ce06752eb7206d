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

/**
 * groups.json (issue 26) holds two works: scikit-learn's rows (these cases, without `groups`) and
 * groups, by_group and the fairness metrics (branch `groups`, selected by its own line). A case
 * runs here when it has no `groups`, its endpoint is served, and its metrics are in the registry.
 */
const GROUPS_ENDPOINTS_SERVED = new Set<string>(['/v1/metrics', '/v1/det-curve']);
const sklearnRowsCase = (c: ReferenceCase) => c.request.groups === undefined && GROUPS_ENDPOINTS_SERVED.has(c.endpoint) && served(c);

/**
 * What groups.json asks that these selections do not run yet; the coverage test below fails when
 * one of them starts being served, or a case stays unrun for another reason, so none stays unrun silently.
 */
const GROUPS_NOT_YET_SERVED = ['groups'];

const files = [
  { file: 'focal_loss.json', dir: referenceDir, select: () => true },
  { file: 'auroc.json', dir: referenceDir, select: () => true },
  { file: 'ranking.json', dir: referenceDir, select: () => true },
  { file: 'classification.json', dir: referenceDir, select: served },
  { file: 'weighted.json', dir: referenceDir, select: (c: ReferenceCase) => WEIGHTED_READY.has(c.endpoint) },
  { file: 'groups.json', dir: referenceDir, select: sklearnRowsCase },
  // Issue 27's cases: threshold tuning and probability calibration.
  { file: 'decisions.json', dir: referenceDir, select: () => true },
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
  it('runs every scikit-learn row case; what is left names an endpoint or groups not served yet', () => {
    const cases = loadCases('groups.json', referenceDir);
    const unrun = new Set(cases.filter((c) => !sklearnRowsCase(c)).map((c) => (c.request.groups !== undefined ? 'groups' : c.endpoint)));
    expect([...unrun].sort()).toEqual([...GROUPS_NOT_YET_SERVED].sort());
    expect(cases.filter(sklearnRowsCase).length).toBe(23);
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
