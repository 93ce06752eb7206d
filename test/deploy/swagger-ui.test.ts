import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';

describe('Swagger UI in a real browser', () => {
  let app: App;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    app = await testApp();
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('renders every operation of the document, JSON operations without query fields', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // Swagger UI shows an operation once under each of its tags.
    const count = Object.values(document.paths as Record<string, Record<string, { tags?: string[] }>>)
      .flatMap((item) => Object.values(item))
      .reduce((n, operation) => n + Math.max(1, operation.tags?.length ?? 0), 0);
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(count);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await expect.poll(() => operation.locator('.parameters-container').innerText()).toMatch(/No parameters/);
    await page.close();
  });

  it('"Try it out" on the second named example answers what the document shows for it', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const post = document.paths['/v1/auroc'].post;
    const [, second] = Object.entries(post.requestBody.content['application/json'].examples as Record<string, { summary: string }>);
    const shown = post.responses['200'].content['application/json'].examples[second[0]].value;
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    // The request body's example menu lists the examples by name.
    await operation.locator('.opblock-section-request-body select.examples-select-element').selectOption({ label: second[1].summary });
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 150_000 });
    expect(JSON.parse(await body.innerText())).toEqual(shown);
    await page.close();
  });

  it('runs the seed AUROC example from /docs ("Try it out", "Execute") and shows 0.5', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 150_000 });
    const text = await body.innerText();
    expect(JSON.parse(text)).toMatchObject({ task: 'binary', auroc: 0.5 });
    await page.screenshot({ path: 'coverage/swagger-ui-auroc.png', fullPage: false }).catch(() => {});
  });
});
