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

  it('runs the seed AUROC example from /docs ("Try it out", "Execute") and shows 0.5', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-post', { hasText: '/v1/auroc' }).first();
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 20_000 });
    const text = await body.innerText();
    expect(JSON.parse(text)).toMatchObject({ task: 'binary', auroc: 0.5 });
    await page.screenshot({ path: 'coverage/swagger-ui-auroc.png', fullPage: false }).catch(() => {});
  }, 60_000);
});
