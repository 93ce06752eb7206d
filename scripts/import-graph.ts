/**
 * Prints the import graph between the folders of src/ as a Markdown table: one row per
 * (importing folder, imported folder) pair with the number of import statements, type imports
 * and re-exports included. A file at the root of src/ (config.ts, errors.ts, …) is its own
 * "folder". An edge that goes against the layers of scripts/layers.js (the order lint enforces)
 * is marked with why. Used to show the layers before and after a move:
 * `npx tsx scripts/import-graph.ts`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { folderOf, upwardImport } from './layers.js';

const SRC = resolve(import.meta.dirname, '..', 'src');

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|mjs)$/.test(name)) yield path;
  }
}

/** `from '…'` of import and export declarations, and `import('…')`, across line breaks. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

const counts = new Map<string, number>();
for (const file of sourceFiles(SRC)) {
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    if (!specifier.startsWith('.')) continue;
    const from = folderOf(file);
    const to = folderOf(resolve(dirname(file), specifier));
    if (from === null || to === null || from === to) continue;
    const key = `${from}\t${to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

console.log('| from | to | imports | against the layers |\n|---|---|---:|---|');
for (const [key, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
  const [from, to] = key.split('\t');
  console.log(`| ${from} | ${to} | ${n} | ${upwardImport(from, to) ?? ''} |`);
}
