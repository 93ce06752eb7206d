import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runtimeCopies, smokeProd } from '../../scripts/smoke-prod.js';
import { track } from '../support/processes.js';

describe('the Dockerfile runtime stage, reproduced (npm run smoke:prod)', () => {
  it('copies only package files, dist and openapi', () => {
    const copies = runtimeCopies(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'));
    expect(copies.sort()).toEqual(['dist', 'openapi', 'package-lock.json', 'package.json']);
  });

  it('serves /healthz and the seed AUROC from a production-only install, and exits 0 on SIGTERM', async () => {
    const { auroc, exitCode } = await smokeProd(() => {}, (child) => track(child, 'smoke-prod dist/server.js'));
    expect(auroc).toBe(0.5);
    expect(exitCode).toBe(0);
  }, 600_000);
});
