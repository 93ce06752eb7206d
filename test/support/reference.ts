import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ReferenceCase {
  name: string;
  endpoint: string;
  request: Record<string, unknown>;
  expected: Record<string, unknown>;
  tolerance: { rel: number; abs: number };
  source: string;
}

/**
 * test/reference: the team's reference vectors (computed with the real libraries), carried in the
 * repository so a plain clone tests itself; test/reference-copy.test.ts keeps them equal to
 * ../shared/reference wherever that folder sits beside the checkout.
 */
export const referenceDir = fileURLToPath(new URL('../reference/', import.meta.url));

/** ../shared/reference beside the checkout, on the team's machines and in CI; absent in a plain clone. */
export const sharedReferenceDir = fileURLToPath(new URL('../../../shared/reference/', import.meta.url));

/**
 * test/vectors: the project's own vectors, in the same format, computed outside the project
 * with the reference libraries (each file's `generated_by` and each case's `source` say which).
 */
export const vectorsDir = fileURLToPath(new URL('../vectors/', import.meta.url));

export const loadCases = (file: string, dir = referenceDir): ReferenceCase[] =>
  (JSON.parse(readFileSync(dir + file, 'utf8')) as { cases: ReferenceCase[] }).cases;

/**
 * Compares a response field with its expected value: numbers within `abs + rel * |want|`,
 * arrays element by element, objects field by field (fields `want` does not name are not
 * checked), null only with null. Returns the first mismatch, or null.
 */
export function mismatch(got: unknown, want: unknown, tol: { rel: number; abs: number }, path = ''): string | null {
  if (want === null) return got === null ? null : `${path}: expected null, got ${JSON.stringify(got)}`;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${path}: expected an array of ${want.length}, got ${JSON.stringify(got)?.slice(0, 80)}`;
    for (let i = 0; i < want.length; i++) {
      const m = mismatch(got[i], want[i], tol, `${path}/${i}`);
      if (m) return m;
    }
    return null;
  }
  if (typeof want === 'number') {
    if (typeof got !== 'number') return `${path}: expected ${want}, got ${JSON.stringify(got)}`;
    return Math.abs(got - want) <= tol.abs + tol.rel * Math.abs(want) ? null : `${path}: expected ${want}, got ${got}`;
  }
  if (typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return `${path}: expected an object, got ${JSON.stringify(got)?.slice(0, 80)}`;
    for (const [key, value] of Object.entries(want)) {
      const m = mismatch((got as Record<string, unknown>)[key], value, tol, `${path}/${key}`);
      if (m) return m;
    }
    return null;
  }
  return got === want ? null : `${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
}
