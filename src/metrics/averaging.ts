import { z } from 'zod';
import { NeumaierSum } from '../kernels/neumaier-sum.js';
import type { Task } from '../batch/task.js';

/** The `average` of the ranking metrics (AUROC, average precision): its one schema, which their option schemas and requests compose. */
export const Average = z.enum(['macro', 'weighted', 'micro', 'samples', 'none']).meta({ id: 'Average', description: 'How per-class values are averaged.' });
export type Average = z.infer<typeof Average>;

/** Per-class values as answered: one per class or label, null where the metric is undefined there. */
export const PerClass = z.array(z.number().nullable()).meta({ id: 'PerClassValues', description: 'One value per class or label; null where undefined.' });

/**
 * Averages per-class values over the classes where the metric is defined. Undefined classes
 * (null) are left out of both the sum and the weights: a class with no positives says nothing
 * about ranking quality, and counting it as 0 (torchmetrics) or NaN (scikit-learn) misleads.
 *
 * @param weights `weighted`: one weight per class (its support); `macro`: null
 * @returns null when no class is defined or every defined class has zero weight
 */
export function averageDefined(values: ReadonlyArray<number | null>, weights: ArrayLike<number> | null): number | null {
  const total = new NeumaierSum();
  const norm = new NeumaierSum();
  for (let c = 0; c < values.length; c++) {
    const v = values[c];
    if (v === null) continue;
    const w = weights ? weights[c] : 1;
    total.add(w * v);
    norm.add(w);
  }
  return norm.value > 0 ? total.value / norm.value : null;
}

/** How warnings name class `c` of a batch: "the batch" (binary), "class c" or "label c". */
export const classLabel = (task: Task, c: number): string => (task === 'binary' ? 'the batch' : `${task === 'multiclass' ? 'class' : 'label'} ${c}`);

/**
 * Classes (or labels) named in one phrase, runs as ranges, at most eight items:
 * "class 3", "classes 1, 4 and 7", "labels 0–15999", "classes 0–3, 5, 9 and 120 more".
 * One warning per metric then names every class it concerns, however many there are.
 */
export function classesPhrase(task: Task, classes: readonly number[]): string {
  const [noun, nouns] = task === 'multiclass' ? ['class', 'classes'] : ['label', 'labels'];
  if (classes.length === 1) return `${noun} ${classes[0]}`;
  const runs: string[] = [];
  for (let i = 0; i < classes.length; ) {
    let j = i;
    while (j + 1 < classes.length && classes[j + 1] === classes[j] + 1) j++;
    runs.push(j > i + 1 ? `${classes[i]}–${classes[j]}` : j === i + 1 ? `${classes[i]}, ${classes[j]}` : `${classes[i]}`);
    i = j + 1;
  }
  const items = runs.join(', ').split(', ');
  const shown = items.slice(0, 8);
  const rest = items.length - shown.length;
  const list = rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0];
  return `${nouns} ${list}`;
}

/** The warning for a class whose metric is undefined. */
export function undefinedClassWarning(metric: string, who: string, positives: number, negatives: number): string {
  const missing = positives === 0 && negatives === 0 ? 'no samples' : positives === 0 ? 'no positive samples' : 'no negative samples';
  return `${who} has ${missing}: its ${metric} is undefined (null) and left out of averages`;
}

