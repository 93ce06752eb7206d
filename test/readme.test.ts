import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsTable, withMetricsTable } from '../src/metrics/catalogue-table.js';
import { metricDefinitions } from '../src/metrics/registry.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('carries the metric table the registry gives (run `npm run readme` after changing a metric)', () => {
    expect(withMetricsTable(readme)).toBe(readme);
  });

  it('lists every metric of the registry, one row each', () => {
    const table = metricsTable();
    for (const d of metricDefinitions) expect(table).toContain(`| \`${d.name}\` |`);
    expect(table.split('\n')).toHaveLength(metricDefinitions.length + 2);
  });
});
