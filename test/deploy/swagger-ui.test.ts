import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';

/** Playwright's waits (launch, navigation, each action): a backstop against a hang, met by a loaded machine. */
const BACKSTOP_MS = 150_000;

describe('Swagger UI in a real browser', () => {
  let app: App;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    app = await testApp();
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: BACKSTOP_MS });
    context = await browser.newContext();
    // Playwright's 30 s default per action fails on a loaded machine; this is only a backstop.
    context.setDefaultTimeout(BACKSTOP_MS);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it('renders every operation of the document, JSON operations without query fields', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // Swagger UI shows an operation once under each of its tags.
    const count = Object.values(document.paths as Record<string, Record<string, { tags?: string[] }>>)
      .flatMap((item) => Object.values(item))
      .reduce((n, operation) => n + Math.max(1, operation.tags?.length ?? 0), 0);
    const page = await context.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(count);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    // expect.poll gives up after 1 s by default: too short for a loaded machine.
    await expect.poll(() => operation.locator('.parameters-container').innerText(), { timeout: BACKSTOP_MS }).toMatch(/No parameters/);
    await page.close();
  });

  it('"Try it out" on the second named example answers what the document shows for it', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const post = document.paths['/v1/auroc'].post;
    const [, second] = Object.entries(post.requestBody.content['application/json'].examples as Record<string, { summary: string }>);
    const shown = post.responses['200'].content['application/json'].examples[second[0]].value;
    const page = await context.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    // The request body's example menu lists the examples by name.
    await operation.locator('.opblock-section-request-body select.examples-select-element').selectOption({ label: second[1].summary });
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor();
    expect(JSON.parse(await body.innerText())).toEqual(shown);
    await page.close();
  });

  it('runs the seed AUROC example from /docs ("Try it out", "Execute") and shows 0.5', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor();
    const text = await body.innerText();
    expect(JSON.parse(text)).toMatchObject({ task: 'binary', auroc: 0.5 });
    await page.screenshot({ path: 'coverage/swagger-ui-auroc.png', fullPage: false }).catch(() => {});
  });
});
