import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentationPages } from '../scripts/generated-sections.js';

/**
 * Every relative link of README.md and docs/*.md names a file that exists and, after `#`, a
 * heading of that file as GitHub anchors it: so a page moved or a heading reworded breaks the
 * test, not the reader's click.
 */
const root = new URL('../', import.meta.url);

/** Markdown outside fenced code blocks, with inline code spans blanked. */
function prose(markdown: string): string {
  return markdown
    .replace(/^[^\S\n]*(```|~~~)[^\n]*\n[\s\S]*?^[^\S\n]*\1[^\S\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, (span) => (span.includes('](') ? '' : span.replace(/[[\]()]/g, ' ')));
}

/**
 * GitHub's anchor of a heading (github-slugger): the rendered text lower-cased, every character
 * but letters, marks, digits, connector punctuation (`_`), spaces and hyphens removed, each space
 * a hyphen; a repeated slug gets -1, -2, ...
 */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/[`*]|~~/g, '')
    .replace(/(^|\s)_([^_]+)_(?=\s|$)/g, '$1$2');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page: its headings' slugs (repeats numbered) and explicit `<a id|name>`. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^[^\S\n]*(```|~~~)[^\n]*\n[\s\S]*?^[^\S\n]*\1[^\S\n]*$/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6}[^\S\n]+(.*?)(?:[^\S\n]+#+)?[^\S\n]*$/gm)) {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** The link targets of a page: inline links and images, and reference definitions. */
function linksOf(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');

const pages = documentationPages(root);

describe('links of README.md and docs/', () => {
  it('anchors headings as GitHub does, and reads links outside code', () => {
    expect(githubSlug('Limits: every request is priced before it allocates')).toBe('limits-every-request-is-priced-before-it-allocates');
    expect(githubSlug('`STORE_URL` and the stores')).toBe('store_url-and-the-stores');
    expect(githubSlug('Sessions, stores & guarantees (v1)')).toBe('sessions-stores--guarantees-v1');
    expect(githubSlug('**Equality.** Déjà vu')).toBe('equality-déjà-vu');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n- item\n  ```sh\n  # nor this\n  ```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
    expect(linksOf('[a](a.md) `[b](b.md)`\n- item\n  ```sh\n  echo [c](c.md)\n  ```\n[d]: d.md\n')).toEqual(['a.md', 'd.md']);
  });

  it.each(pages)('every relative link of %s resolves to a file and a heading', (page) => {
    const from = new URL(page, root);
    const broken: string[] = [];
    for (const target of linksOf(readFileSync(from, 'utf8')).filter(isRelative)) {
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const file = path === '' ? from : new URL(decodeURI(path), from);
      if (!existsSync(file)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!file.pathname.endsWith('.md') || statSync(file).isDirectory()) {
        broken.push(`${target}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
