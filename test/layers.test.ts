/**
 * The layer rule (scripts/layers.js, run by `npm run lint`): an import of src/ that goes up or
 * sideways is an error, whatever its form; one that goes down, or to a leaf, is not. Linted with
 * ESLint's own Linter, as files placed in src/.
 */
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, LEAVES, downward } from '../scripts/layers.js';
import { readdirSync } from 'node:fs';

const src = resolve(import.meta.dirname, '..', 'src');

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { layers: { rules: { downward } } }, rules: { 'layers/downward': 'error' } }],
    { filename: resolve(src, file) },
  );
  return messages.map((m) => m.message);
}

describe('the layer rule', () => {
  it.each([
    ['an import', "import { computeAuroc } from '../endpoints/auroc.js';"],
    ['a type-only import', "import type { AurocRequest } from '../schemas/auroc.js';"],
    ['a re-export', "export { Problem } from '../schemas/common.js';"],
    ['a dynamic import', "export const later = () => import('../sessions/service.js');"],
    ['an import type expression', "export type Later = import('../routes/auroc/index.js').default;"],
  ])('reports %s that goes up', (_, code) => {
    const [message] = lint('metrics/example.ts', code);
    expect(message).toMatch(/^src\/metrics may not import src\/(endpoints|schemas|sessions|routes): \w+ is above metrics/);
  });

  it('reports an import between folders that share a layer', () => {
    expect(lint('plots/example.ts', "import { decodeJsonBody } from '../wire/json-body.js';")).toEqual([
      'src/plots may not import src/wire: plots and wire share a layer and do not import each other (layers: docs/architecture.md, scripts/layers.js).',
    ]);
  });

  it('reports a leaf that imports a layer', () => {
    expect(lint('config.ts', "import { redisUrlProblem } from './sessions/redis-store.js';")).toEqual([
      'src/config may not import src/sessions: config is a leaf: it imports only config, errors, store-url (layers: docs/architecture.md, scripts/layers.js).',
    ]);
  });

  it('accepts imports down, within a folder, of a leaf, and of packages', () => {
    const code = [
      "import { z } from 'zod';",
      "import { invalidField } from '../errors.js';",
      "import { aurocFromCounts } from '../kernels/auroc.js';",
      "import type { RankingBatch } from '../batch/ranking-batch.js';",
      "import { Average } from './averaging.js';",
    ].join('\n');
    expect(lint('metrics/example.ts', code)).toEqual([]);
    expect(lint('routes/auroc/example.ts', "import { computeAuroc } from '../../endpoints/auroc.js';")).toEqual([]);
  });

  it('places every folder and root file of src/ in a layer or among the leaves', () => {
    const placed = new Set([...LAYERS.flat(), ...LEAVES]);
    const folders = readdirSync(src).map((name) => name.replace(/\.(ts|mjs)$/, ''));
    expect(folders.filter((name) => !placed.has(name))).toEqual([]);
  });
});
