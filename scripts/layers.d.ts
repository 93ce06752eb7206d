// Types of scripts/layers.js, which stays JavaScript because eslint.config.js loads it.
import type { Rule } from 'eslint';

/** Top to bottom; a row is one layer of src/. */
export const LAYERS: readonly (readonly string[])[];
/** Files of src/ anyone may import; they import only each other. */
export const LEAVES: readonly string[];
/** The folder of src/ an absolute path lies in, or null outside src/. */
export function folderOf(path: string): string | null;
/** Why `from` may not import `to`, or null when it may. */
export function upwardImport(from: string, to: string): string | null;
/** ESLint rule `layers/downward`. */
export const downward: Rule.RuleModule;
