import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { mulberry32 } from '../../src/kernels/random.js';
import { testApp } from '../support/app.js';

/**
 * A grouped ranking metric sorts each row once: the overall split is its groups' splits merged.
 * Through POST /v1/metrics, on batches large enough for the sorts' bucket passes, with ties
 * within and across groups: each group's AUROC and average precision equal those of its rows
 * posted alone, and the overall ones those of the batch without groups.
 */
describe('grouped exact AUROC and average precision through POST /v1/metrics', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const metrics = (byGroup: boolean) => ['auroc', 'average_precision'].map((name) => ({ name, by_group: byGroup }));
  const post = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().metrics as Record<string, Record<string, unknown> & { by_group?: Array<Record<string, unknown> | null> }>;
  };
  const close = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-12 : a === b);

  it('each group equals its rows alone, the overall equals the batch without groups (binary, 1 to 9 groups)', async () => {
    const shape = fc.record({ rows: fc.integer({ min: 1, max: 3_000 }), groups: fc.integer({ min: 1, max: 9 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), grid: fc.constantFrom(8, 1000) });
    await fc.assert(
      fc.asyncProperty(shape, async ({ rows, groups, seed, grid }) => {
        const random = mulberry32(seed);
        const labels = Array.from({ length: rows }, () => (random() < 0.3 ? 1 : 0));
        const preds = labels.map((y) => Math.min(1, Math.floor((random() + 0.3 * y) * grid) / grid));
        const ids = Array.from({ length: rows }, () => Math.floor(random() * groups));
        const grouped = await post({ preds, labels, groups: ids, num_groups: groups, input: 'probs', metrics: metrics(true) });
        const plain = await post({ preds, labels, input: 'probs', metrics: metrics(false) });
        for (const name of ['auroc', 'average_precision']) {
          expect(grouped[name][name]).toBe(plain[name][name]);
          for (let g = 0; g < groups; g++) {
            const mine = ids.flatMap((id, i) => (id === g ? [i] : []));
            if (mine.length === 0) {
              expect(grouped[name].by_group![g]).toBeNull();
              continue;
            }
            const alone = await post({ preds: mine.map((i) => preds[i]), labels: mine.map((i) => labels[i]), input: 'probs', metrics: metrics(false) });
            const value = grouped[name].by_group![g]![name];
            expect(close(value, alone[name][name]), `${name} of group ${g}: ${value} vs ${alone[name][name]}`).toBe(true);
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
