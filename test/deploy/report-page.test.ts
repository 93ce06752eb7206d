import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { ReportData } from '../../src/plots/report-html.js';
import { OPTION_FIELDS } from '../../src/plots/report-values.js';
import { testApp } from '../support/app.js';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { at } from '../support/report-paths.js';

/** Playwright's waits (launch, each action): a backstop against a hang, met by a loaded machine. */
const BACKSTOP_MS = 150_000;

/** A session's rows as sent, all batches concatenated: what its epoch holds. */
interface Rows {
  preds: number[] | number[][];
  labels: number[] | number[][];
  sample_weight?: number[];
  groups?: number[];
  input?: 'probs' | 'logits';
}

/**
 * The report page of a session (GET /v1/sessions/{id}/report), and the data it must show, from the
 * session's own JSON answers: the session, its ROC and precision-recall curves, its
 * confusion_matrix metric, GET /v1/sessions/{id}/thresholds (f1_score, with the curve) and
 * /calibration (the report's defaults), with the reliability bins before and after from
 * POST /v1/metrics' calibration_error of the epoch's scores and of the calibrated probabilities
 * (the bins are in no JSON answer; their error is the calibration's).
 */
async function reportHtmlOf(app: App, sessionId: string, rows: Rows): Promise<{ html: string; data: ReportData }> {
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode === 409) return null;
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const session = await get(`/v1/sessions/${sessionId}`);
  const batch = { preds: rows.preds, labels: rows.labels, ...(rows.sample_weight && { sample_weight: rows.sample_weight }), ...(rows.input && { input: rows.input }) };
  const { task } = session;
  const confusionMatrix = Object.values(session.metrics as Record<string, Record<string, unknown>>).find((e) => 'confusion_matrix' in e && !('by_group' in e)) ?? null;
  const thresholds = task === 'multiclass' ? null : await get(`/v1/sessions/${sessionId}/thresholds?objective=f1_score&return_curve=true`);
  const response = await get(`/v1/sessions/${sessionId}/calibration?method=${task === 'multiclass' ? 'temperature' : 'sigmoid'}&return_probs=true`);
  // The bins are the catalogue's calibration_error (15 bins, l1) of the probabilities before and after: its value is the answer's.
  const binsOf = async (payload: object, expected: number | null) => {
    const entry = (await post('/v1/metrics', { ...payload, metrics: ['calibration_error'] })).metrics.calibration_error;
    expect(entry.calibration_error).toBeCloseTo(expected as number, 12);
    return entry.bins;
  };
  const bins =
    task === 'multilabel'
      ? null
      : {
          before: await binsOf(batch, response.before.calibration_error),
          after: await binsOf({ ...batch, preds: response.probs, input: 'probs' }, response.after.calibration_error),
        };
  const { probs, ...answer } = response;
  void probs;
  const data: ReportData = {
    session,
    roc: await get(`/v1/sessions/${sessionId}/roc`),
    precisionRecall: await get(`/v1/sessions/${sessionId}/precision-recall-curve`),
    confusionMatrix,
    thresholds,
    calibration: { response: answer, bins },
  };
  const page = await app.inject({ method: 'GET', url: `/v1/sessions/${sessionId}/report`, headers: { accept: 'text/html' } });
  expect(page.statusCode, page.body).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  return { html: page.body, data };
}

/** A deterministic stream of numbers in [0, 1) (a linear congruential generator), so the sessions' rows are fixed. */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Rows of a classifier that is right more often than not: a score that leans to the label. */
function binaryRows(n: number, seed: number, logits: boolean): { preds: number[]; labels: number[] } {
  const u = uniform(seed);
  const labels = Array.from({ length: n }, () => (u() < 0.3 ? 1 : 0));
  const preds = labels.map((y) => {
    const p = Math.min(0.98, Math.max(0.02, 0.5 * u() + (y === 1 ? 0.35 : 0.1)));
    return logits ? Math.round(Math.log(p / (1 - p)) * 1000) / 1000 : Math.round(p * 1000) / 1000;
  });
  return { preds, labels };
}

/** Cuts the rows into batches of the given sizes and posts them. */
async function postBatches(app: App, id: string, rows: Record<string, unknown[] | string | undefined>, sizes: number[]): Promise<void> {
  let start = 0;
  for (const size of sizes) {
    const batch = Object.fromEntries(Object.entries(rows).filter(([k, v]) => Array.isArray(v) && k !== 'input').map(([k, v]) => [k, (v as unknown[]).slice(start, start + size)]));
    const res = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch });
    expect(res.statusCode, res.body).toBe(200);
    start += size;
  }
}

async function createSession(app: App, body: object): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/sessions', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** The rounding the page promises: integers in full (en-US groups), others to 4 significant digits, null as "undefined". */
const rounding = (v: number | null): string => (v === null ? 'undefined' : Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4))));

/** The paths of every number and null in a JSON value, as data-path writes them; not a null option (`average: null`: not applicable). */
function leafPaths(value: unknown, path: string[] = []): string[] {
  if (value === null && OPTION_FIELDS.has(path[path.length - 1])) return [];
  if (value === null || typeof value === 'number') return [path.map((s) => s.replace(/~/g, '~0').replace(/\./g, '~1')).join('.')];
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...path, String(i)]));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return [];
}

describe('the session report page in headless Chromium', () => {
  let app: App;
  let browser: Browser;
  let context: BrowserContext;
  const reports: Array<{ name: string; html: string; data: ReportData }> = [];

  beforeAll(async () => {
    const executablePath = ensureChromium();
    app = await testApp();

    // Binary on logits with sample weights and a focal loss, two batches.
    const b = binaryRows(60, 7, true);
    const weighted: Rows = { ...b, sample_weight: b.labels.map((_, i) => [1, 0.5, 2][i % 3]), input: 'logits' };
    const binary = await createSession(app, {
      task: 'binary',
      input: 'logits',
      loss: { gamma: 2 },
      metrics: ['auroc', 'average_precision', 'f1_score', 'matthews_corrcoef', 'confusion_matrix', 'calibration_error', 'classification_report'],
    });
    await postBatches(app, binary, { ...weighted }, [25, 35]);
    reports.push({ name: 'binary', ...(await reportHtmlOf(app, binary, weighted)) });

    // Multiclass probabilities, three classes.
    const u = uniform(11);
    const labels = Array.from({ length: 45 }, (_, i) => i % 3);
    const preds = labels.map((y) => {
      const raw = [0, 1, 2].map((c) => u() + (c === y ? 0.8 : 0));
      const sum = raw.reduce((a, x) => a + x, 0);
      return raw.map((x) => Math.round((x / sum) * 1e6) / 1e6);
    });
    const multiclassRows: Rows = { preds, labels };
    const multiclass = await createSession(app, {
      task: 'multiclass',
      num_classes: 3,
      metrics: ['auroc', { name: 'precision', average: 'none' }, 'accuracy', 'f1_score', 'confusion_matrix', 'calibration_error'],
    });
    await postBatches(app, multiclass, { ...multiclassRows }, [20, 25]);
    reports.push({ name: 'multiclass', ...(await reportHtmlOf(app, multiclass, multiclassRows)) });

    // Multilabel, three labels.
    const columns = [3, 5, 9].map((seed) => binaryRows(40, seed, false));
    const multilabelRows: Rows = { preds: columns[0].preds.map((_, i) => columns.map((c) => c.preds[i])), labels: columns[0].labels.map((_, i) => columns.map((c) => c.labels[i])) };
    const multilabel = await createSession(app, { task: 'multilabel', num_labels: 3, metrics: ['auroc', 'average_precision', 'f1_score', 'confusion_matrix'] });
    await postBatches(app, multilabel, { ...multilabelRows }, [15, 25]);
    reports.push({ name: 'multilabel', ...(await reportHtmlOf(app, multilabel, multilabelRows)) });

    // Binary with three groups: metrics by group and the fairness metrics.
    const g = binaryRows(48, 23, false);
    const groupedRows: Rows = { ...g, groups: g.labels.map((_, i) => i % 3) };
    const grouped = await createSession(app, {
      task: 'binary',
      num_groups: 3,
      metrics: ['auroc', { name: 'f1_score', by_group: true }, { name: 'auroc', by_group: true, key: 'auroc by group' }, 'demographic_parity', 'equal_opportunity', 'groups_stat_rates', 'confusion_matrix'],
    });
    await postBatches(app, grouped, { ...groupedRows }, [24, 24]);
    reports.push({ name: 'grouped', ...(await reportHtmlOf(app, grouped, groupedRows)) });

    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: BACKSTOP_MS });
    context = await browser.newContext();
    context.setDefaultTimeout(BACKSTOP_MS);
  }, 300_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await app?.close();
  });

  /** A page holding the report, failing on any request it makes and recording console and page errors. */
  async function open(html: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    await page.route('**/*', async (route) => {
      requests.push(route.request().url());
      await route.abort();
    });
    await page.setContent(html, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('renders each report with no console error, no page error and no request leaving the page', async () => {
    expect(reports.map((r) => r.name)).toEqual(['binary', 'multiclass', 'multilabel', 'grouped']);
    for (const { name, html } of reports) {
      const { page, errors, requests } = await open(html);
      expect(await page.locator('h1').innerText(), name).toBe('Session report');
      // Every section is there, and the plots drawn for this kind of session.
      expect(await page.locator('section').count(), name).toBe(7);
      expect(await page.locator('section#curves svg').count(), name).toBe(2);
      expect(await page.locator('section#confusion-matrix svg').count(), name).toBe(1);
      expect(await page.locator('section#calibration svg').count(), name).toBe(name === 'multilabel' ? 0 : 2);
      expect(await page.locator('section#thresholds svg [data-threshold]').count(), name).toBe(name === 'multiclass' ? 0 : name === 'multilabel' ? 3 : 1);
      expect(await page.locator('section#groups svg').count(), name).toBe(name === 'grouped' ? 2 : 0);
      expect(await page.locator('script, link, img, iframe, object, embed').count(), name).toBe(0);
      expect(errors, name).toEqual([]);
      expect(requests, name).toEqual([]);
      await page.close();
    }
  });

  it('shows every number with its exact JSON value at its data-path, rounded to 4 significant digits', async () => {
    for (const { name, html, data } of reports) {
      const { page } = await open(html);
      const shown = await page.$$eval('[data-path]', (elements) => elements.map((e) => ({ path: e.getAttribute('data-path')!, value: e.getAttribute('data-value')!, text: (e as unknown as { innerText: string }).innerText })));
      expect(shown.length, name).toBeGreaterThan(20);
      for (const { path, value, text } of shown) {
        const expected = at(data, path);
        expect(expected === null || typeof expected === 'number', `${name}: ${path} is a number or null in the data`).toBe(true);
        expect(JSON.parse(value), `${name}: ${path}`).toBe(expected);
        expect(text, `${name}: ${path}`).toBe(rounding(expected as number | null));
      }
      await page.close();
    }
  });

  it("shows every metric of the session's JSON, and every number of the session, its curves' areas, the tuned thresholds and the calibration", async () => {
    for (const { name, html, data } of reports) {
      const { page } = await open(html);
      const metricRows = await page.$$eval('tr[data-metric]', (rows) => rows.map((r) => r.getAttribute('data-metric')));
      expect(metricRows, name).toEqual(Object.keys(data.session.metrics));
      const paths = new Set(await page.$$eval('[data-path]', (elements) => elements.map((e) => e.getAttribute('data-path')!)));
      const { probs, ...calibration } = (data.calibration?.response ?? {}) as Record<string, unknown>;
      void probs;
      const expected = [
        // A session without a loss says so in a line (the unit tests check it).
        ...leafPaths({ ...data.session, loss: data.session.loss ?? undefined }, ['session']),
        ...leafPaths(data.confusionMatrix, ['confusionMatrix']),
        ...leafPaths(calibration, ['calibration', 'response']),
        // Curves are drawn: their areas and prevalence are the numbers shown.
        ...leafPaths(data.roc, ['roc']).filter((p) => p.endsWith('auroc')),
        ...leafPaths(data.precisionRecall, ['precisionRecall']).filter((p) => /(average_precision|prevalence)$/.test(p)),
        ...(data.thresholds === null ? [] : leafPaths(data.thresholds, ['thresholds']).filter((p) => !p.includes('.curve.'))),
      ];
      const absent = expected.filter((p) => !paths.has(p));
      expect(absent, name).toEqual([]);
      await page.close();
    }
  });

  it('prints to PDF, each of its seven sections from a new page', async () => {
    for (const { name, html } of reports) {
      const { page } = await open(html);
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString('latin1'), name).toBe('%PDF-');
      // Chromium writes each page as an object `/Type /Page` (the page tree is `/Type /Pages`).
      const pages = pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? [];
      expect(pages.length, name).toBeGreaterThanOrEqual(8);
      await page.close();
    }
  });

  it('fits a 400 px wide phone screen: the body does not overflow horizontally', async () => {
    for (const { name, html } of reports) {
      const { page } = await open(html);
      await page.setViewportSize({ width: 400, height: 800 });
      // A string: the test is compiled without the DOM's types.
      const overflow = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
      expect(overflow.scroll, name).toBeLessThanOrEqual(overflow.client);
      await page.close();
    }
  });
});
