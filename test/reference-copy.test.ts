import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceDir, sharedReferenceDir } from './support/reference.js';

/**
 * The reference vectors are carried in test/reference so that a plain clone passes its own
 * tests; where the team's ../shared/reference sits beside the checkout (our machines, CI), the
 * copy must equal it file for file, byte for byte, so the two cannot drift.
 */
describe('test/reference', () => {
  it('holds the reference vectors', () => {
    const files = readdirSync(referenceDir).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['auroc.json', 'focal_loss.json', 'ranking.json', 'classification.json', 'weighted.json']));
  });

  it.runIf(existsSync(sharedReferenceDir))('equals ../shared/reference, file for file', () => {
    const shared = readdirSync(sharedReferenceDir).sort();
    expect(readdirSync(referenceDir).sort()).toEqual(shared);
    for (const file of shared) expect(readFileSync(referenceDir + file).equals(readFileSync(sharedReferenceDir + file)), file).toBe(true);
  });
});
