/**
 * The layers of src/, top to bottom, and the ESLint rule that keeps imports looking down.
 * docs/architecture.md draws the same order and says why; scripts/import-graph.ts marks the
 * edges that go up. A folder may import its own files, any folder in a lower layer and the
 * leaves; folders that share a layer do not import each other. A leaf imports only leaves.
 * Every import counts: type-only imports, re-exports and `import()` included.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** Top to bottom; a row is one layer. Names are folders of src/ or files at its root without `.ts`. */
export const LAYERS = [
  ['server'],
  ['app'],
  ['routes'],
  ['plugins'],
  ['workers'],
  ['sessions'],
  ['endpoints'],
  ['plots', 'wire'],
  ['schemas'],
  ['metrics'],
  ['batch'],
  ['kernels'],
];

/** Files anyone may import; they import only each other. */
export const LEAVES = ['config', 'errors', 'store-url'];

const SRC = resolve(import.meta.dirname, '..', 'src');

/** The folder of src/ an absolute path lies in (a root file counts as its own folder), or null outside src/. */
export function folderOf(path) {
  const rel = relative(SRC, path);
  if (rel.startsWith('..') || rel === '') return null;
  return rel.split(sep)[0].replace(/\.(ts|mts|mjs|js)$/, '');
}

/** Why `from` may not import `to` (two folders of src/), or null when it may. */
export function upwardImport(from, to) {
  if (from === to) return null;
  if (LEAVES.includes(to)) return null;
  if (LEAVES.includes(from)) return `${from} is a leaf: it imports only ${LEAVES.join(', ')}`;
  const rank = (folder) => LAYERS.findIndex((layer) => layer.includes(folder));
  const [a, b] = [rank(from), rank(to)];
  if (a < 0) return `${from} is in no layer: add it to LAYERS in scripts/layers.js and docs/architecture.md`;
  if (b < 0) return `${to} is in no layer: add it to LAYERS in scripts/layers.js and docs/architecture.md`;
  if (a === b) return `${from} and ${to} share a layer and do not import each other`;
  if (b < a) return `${to} is above ${from}`;
  return null;
}

/** ESLint rule `layers/downward`: reports an import of src/ that goes up or sideways. */
export const downward = {
  meta: {
    type: 'problem',
    docs: { description: 'Layers of src/ look only down (docs/architecture.md).' },
    schema: [],
    messages: { upward: "src/{{from}} may not import src/{{to}}: {{why}} (layers: docs/architecture.md, scripts/layers.js)." },
  },
  create(context) {
    const from = folderOf(context.filename);
    if (from === null) return {};
    const check = (source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const to = folderOf(resolve(dirname(context.filename), source.value));
      const why = to === null ? null : upwardImport(from, to);
      if (why) context.report({ node: source, messageId: 'upward', data: { from, to, why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    };
  },
};
