/**
 * The generated sections of the documentation: README.md and docs/*.md hold each one between
 * its markers, on exactly one page. `npm run readme` (scripts/write-readme.ts) rewrites them all;
 * test/readme.test.ts fails when a page differs from what this module would write.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { metricsTable, TABLE_END, TABLE_START } from '../src/metrics/catalogue-table.js';

/** The training-loop example of docs/decisions.md: a file of its own, run by test/docs/validation-epoch.test.ts. */
export const VALIDATION_EPOCH_EXAMPLE = 'docs/examples/validation_epoch.py';

/** A file of the repository as a fenced block of `language`, verbatim. */
const fencedFile = (path: string, language: string) => () => `\`\`\`${language}\n${readFileSync(new URL(`../${path}`, import.meta.url), 'utf8').trimEnd()}\n\`\`\``;

export interface GeneratedSection {
  name: string;
  start: string;
  end: string;
  content(): string;
}

export const generatedSections: readonly GeneratedSection[] = [
  { name: 'the metric table', start: TABLE_START, end: TABLE_END, content: metricsTable },
  {
    name: 'the validation-epoch example',
    start: `<!-- ${VALIDATION_EPOCH_EXAMPLE}:start (npm run readme) -->`,
    end: `<!-- ${VALIDATION_EPOCH_EXAMPLE}:end -->`,
    content: fencedFile(VALIDATION_EPOCH_EXAMPLE, 'python'),
  },
];

/** The pages, relative to the repository root: the README, then every docs/*.md. */
export function documentationPages(root: URL): string[] {
  const folder = new URL('docs/', root);
  const docs = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.md')) : [];
  return ['README.md', ...docs.sort().map((name) => `docs/${name}`)];
}

/** Whether a page holds a section's start marker. */
export const holds = (page: string, section: GeneratedSection) => page.includes(section.start);

/** A page with every generated section it holds replaced by what the code gives today. */
export function withGeneratedSections(page: string): string {
  let text = page;
  for (const section of generatedSections) {
    const start = text.indexOf(section.start);
    if (start < 0) continue;
    const end = text.indexOf(section.end, start);
    if (end < 0) throw new Error(`${section.start} without its ${section.end}`);
    text = `${text.slice(0, start + section.start.length)}\n${section.content()}\n${text.slice(end)}`;
  }
  return text;
}
