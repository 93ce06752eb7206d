/**
 * The multilabel `average: "samples"` (scikit-learn's `average="samples"`): the metric of each
 * row over its kept labels, then the mean over rows weighted by `sample_weight`, a row where the
 * metric is undefined left out. Two forms, one per family of state: threshold metrics fold each
 * row into a constant-size state ([Σ w·value, Σ w, 0/0 rows]) that sessions merge
 * (`withSamplesAverage`); ranking metrics (AUROC, average precision) rank each row's scores
 * exactly, from the rows they keep (`samplesAverage`).
 */
import { z } from 'zod';
import { invalidField } from '../errors.js';
import { NeumaierSum } from '../kernels/neumaier-sum.js';
import { rankCountsFromSorted, type RankCounts } from '../kernels/rank-counts.js';
import type { RankingBatch } from '../batch/ranking-batch.js';
import type { Task } from '../batch/task.js';
import { torchSigmoid } from '../kernels/stat-scores.js';
import { rowWeight, type MetricBatch } from '../batch/batch.js';
import { zeroDivisionValue, type MetricDefinition, type MetricEntry, type ZeroDivision } from './definition.js';
import { countsState } from './state.js';

/**
 * The one check both forms make: `samples` averages the rows of a multilabel batch.
 *
 * @throws {ProblemError} 400 naming `field` for a binary or multiclass batch
 */
export function checkSamplesTask(field: string, task: Task): void {
  if (task !== 'multilabel') throw invalidField(field, `"samples" applies to multilabel only (task is ${task})`);
}

/** A rate from one set of counts: [numerator, denominator]. */
export type Rate = (tp: number, fp: number, tn: number, fn: number) => [number, number];

/** The `average` of the metrics that also average over samples (multilabel). */
export const averageWithSamples = z
  .enum(['micro', 'macro', 'weighted', 'samples', 'none'])
  .default('macro')
  .describe(
    '`micro` pools the counts; `macro` (default) and `weighted` (by support) average per-class values; `samples` (multilabel, scikit-learn) the metric of each row over its labels, averaged over rows (weighted by sample_weight); `none` answers per_class only.',
  );

interface SamplesOptions {
  average: string;
  threshold: number;
  zero_division?: ZeroDivision;
}

/**
 * The samples state: [Σ w·value, Σ w, rows whose value was a 0/0] over the rows of every batch,
 * each row's value its rate over its kept labels (`p > threshold`, σ of logits), a 0/0 being
 * `zero_division`; under `"nan"` (null) such a row adds to neither sum, as scikit-learn's
 * `_nanaverage` leaves it out. Constant size, so sessions carry it as any other state.
 */
export function samplesState(name: string, rate: Rate, threshold: number, zeroDivision: number | null) {
  return countsState(`samples:${name}:threshold=${threshold}:zero_division=${zeroDivision}`, 3, (into, batch: MetricBatch) => {
    const { rows, classes, preds, labels, ignoreIndex } = batch;
    const logits = batch.input === 'logits';
    for (let i = 0; i < rows; i++) {
      let tp = 0;
      let fp = 0;
      let tn = 0;
      let fn = 0;
      let kept = 0;
      for (let j = i * classes; j < (i + 1) * classes; j++) {
        const y = labels[j];
        if (y === ignoreIndex) continue;
        kept++;
        const positive = (logits ? torchSigmoid(preds[j]) : preds[j]) > threshold;
        if (positive && y === 1) tp++;
        else if (positive) fp++;
        else if (y === 1) fn++;
        else tn++;
      }
      if (kept === 0) continue; // a row of ignored entries says nothing
      const w = rowWeight(batch, i);
      const [num, den] = rate(tp, fp, tn, fn);
      if (den === 0) into[2]++;
      if (den === 0 && zeroDivision === null) continue;
      into[0] += w * (den === 0 ? (zeroDivision as number) : num / den);
      into[1] += w;
    }
  });
}

/**
 * A threshold metric that also answers multilabel `average: "samples"` (scikit-learn's
 * `*_score(average="samples")`: the metric per row, then the mean over rows weighted by
 * `sample_weight`); any other average is the metric as defined.
 *
 * @param rate the row's rate, from the options (F-beta's beta)
 */
export function withSamplesAverage<O extends SamplesOptions>(definition: MetricDefinition<O, Float64Array>, rate: (options: O) => Rate): MetricDefinition<O, Float64Array> {
  const { name } = definition;
  return {
    ...definition,
    options: (definition.options as unknown as z.ZodObject).extend({ average: averageWithSamples }) as unknown as z.ZodType<O>,
    check(options, config, path) {
      if (options.average === 'samples') checkSamplesTask(`${path}/average`, config.task);
      definition.check?.(options, config, path);
    },
    state: (options, config) =>
      options.average === 'samples' ? samplesState(name, rate(options), options.threshold, zeroDivisionValue(options.zero_division)) : definition.state(options, config),
    compute(state, options, config, derived): MetricEntry {
      if (options.average !== 'samples') return definition.compute(state, options, config, derived);
      const [sum, norm, undefinedRows] = state;
      const zd = zeroDivisionValue(options.zero_division);
      const told = zd === null ? 'null by zero_division "nan", left out of the samples average' : `${zd} by zero_division`;
      const warnings = undefinedRows > 0 ? [`${undefinedRows} row${undefinedRows === 1 ? '' : 's'} had a 0/0 ${name}: ${told}`] : [];
      if (norm === 0) return { [name]: null, warnings: [...warnings, `no row carries weight: the samples average of ${name} is undefined (null)`] };
      return { [name]: sum / norm, warnings };
    },
  };
}

/**
 * Multilabel `average: "samples"` of a ranking metric, as scikit-learn's: each row's labels are
 * one binary problem (its kept entries ranked by score), the metric per row, then the mean over
 * rows weighted by `sample_weight`. A row where the metric is undefined (no positive, or for
 * AUROC no negative, label) is left out of the mean and named in one warning (scikit-learn
 * fails or answers NaN there).
 *
 * O(N · L log L).
 *
 * @throws {ProblemError} 400 naming `average` for another task, or `thresholds` when binned
 */
export function samplesAverage(
  batch: RankingBatch,
  thresholds: unknown,
  name: string,
  metric: (counts: RankCounts) => number | null,
): { value: number | null; warning: string | null } {
  checkSamplesTask('average', batch.task);
  if (thresholds !== null) throw invalidField('thresholds', '"samples" is computed exactly (scikit-learn); leave thresholds out');
  const { rows, classes, scores, labels, ignoreIndex, weights } = batch;
  const total = new NeumaierSum();
  const norm = new NeumaierSum();
  let skipped = 0;
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < rows; i++) {
    positives.length = 0;
    negatives.length = 0;
    for (let j = i * classes; j < (i + 1) * classes; j++) {
      if (labels[j] === ignoreIndex) continue;
      (labels[j] === 1 ? positives : negatives).push(scores[j]);
    }
    const value = metric(rankCountsFromSorted(Float64Array.from(positives).sort(), Float64Array.from(negatives).sort()));
    if (value === null) {
      skipped++;
      continue;
    }
    const w = weights ? weights[i] : 1;
    total.add(w * value);
    norm.add(w);
  }
  const value = norm.value > 0 ? total.value / norm.value : null;
  const warning =
    value === null
      ? `no row has a defined ${name}: the samples average is undefined (null)`
      : skipped > 0
        ? `${skipped} row${skipped === 1 ? '' : 's'} with no positive or no negative label: ${name} undefined there, left out of the samples average`
        : null;
  return { value, warning };
}
