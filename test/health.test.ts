import { describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';

describe('health and readiness', () => {
  it('/healthz and /readyz answer 200 while serving', async () => {
    const app = await testApp();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await app.close();
  });
});
