/**
 * `npm run readme`: rewrites every generated section of README.md and docs/*.md (the metric
 * table from the registry, ...; scripts/generated-sections.ts lists them). test/readme.test.ts
 * fails when a page differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { documentationPages, generatedSections, holds, withGeneratedSections } from './generated-sections.js';

const root = new URL('../', import.meta.url);
const pages = documentationPages(root).map((path) => ({ path, text: readFileSync(new URL(path, root), 'utf8') }));

for (const section of generatedSections) {
  const where = pages.filter((page) => holds(page.text, section)).map((page) => page.path);
  if (where.length !== 1) throw new Error(`${section.name} must be on exactly one page, found on ${where.length}: ${where.join(', ')}`);
}
for (const page of pages) {
  const text = withGeneratedSections(page.text);
  if (text === page.text) continue;
  writeFileSync(new URL(page.path, root), text);
  process.stdout.write(`rewrote ${page.path}\n`);
}
