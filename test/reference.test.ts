import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { bodyPaths, testApp } from './support/app.js';
import { loadCases, mismatch, referenceDir, vectorsDir } from './support/reference.js';

const files = [
  { file: 'focal_loss.json', dir: referenceDir },
  { file: 'auroc.json', dir: referenceDir },
  { file: 'ranking.json', dir: referenceDir },
  { file: 'correctness.json', dir: vectorsDir },
];

describe.each(bodyPaths)('reference vectors through the routes ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  describe.each(files)('$file', ({ file, dir }) => {
    const cases = loadCases(file, dir);

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
