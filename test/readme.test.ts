import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsTable } from '../src/metrics/catalogue-table.js';
import { metricDefinitions } from '../src/metrics/registry.js';
import { documentationPages, generatedSections, holds, withGeneratedSections } from '../scripts/generated-sections.js';

const root = new URL('../', import.meta.url);
const pages = documentationPages(root).map((path) => ({ path, text: readFileSync(new URL(path, root), 'utf8') }));

describe('README and docs/', () => {
  it.each(pages.map((page) => [page.path, page.text]))('%s carries the generated sections the code gives (run `npm run readme` after changing a metric)', (_path, text) => {
    expect(withGeneratedSections(text)).toBe(text);
  });

  it.each(generatedSections.map((section) => [section.name, section]))('%s is on exactly one page', (_name, section) => {
    const where = pages.filter((page) => holds(page.text, section)).map((page) => page.path);
    expect(where).toHaveLength(1);
  });

  it('lists every metric of the registry, one row each', () => {
    const table = metricsTable();
    for (const d of metricDefinitions) expect(table).toContain(`| \`${d.name}\` |`);
    expect(table.split('\n')).toHaveLength(metricDefinitions.length + 2);
  });
});
