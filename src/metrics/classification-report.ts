import { z } from 'zod';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import type { Task } from '../batch/task.js';
import { classesPhrase } from './averaging.js';
import { defineMetric, threshold, zeroDivision, zeroDivisionValue, type Derived, type MetricEntry, type ZeroDivision } from './definition.js';
import { fbetaRate, nanAverage, precisionRate, recallRate } from './rates.js';
import { samplesState, type Rate } from './samples-average.js';
import { countsState, type StateSpec } from './state.js';
import { classCounts, statState, type StatScores } from './stat-scores.js';

interface ReportOptions {
  threshold: number;
  zero_division: ZeroDivision;
}

/** One row of the report: scikit-learn's `{precision, recall, f1-score, support}` (its `f1-score` in snake_case). */
export const ReportRow = z
  .object({
    precision: z.number().nullable(),
    recall: z.number().nullable(),
    f1_score: z.number().nullable(),
    support: z.number().describe('The (weighted) count of samples of the class; of an average, the sum over the classes.'),
  })
  .meta({ id: 'ClassificationReportRow', description: 'classification_report: one class, or one average, as scikit-learn reports it; null where a 0/0 is zero_division "nan".' });
export type ReportRow = z.infer<typeof ReportRow>;

/** F1 as scikit-learn ≥ 1.3 divides it: 2·tp / (2·tp + fp + fn), a 0/0 being zero_division (f1_score's own rate). */
const f1Rate: Rate = fbetaRate(1);
const RATES = [precisionRate, recallRate, f1Rate] as const;
const FIELDS = ['precision', 'recall', 'f1_score'] as const;

/**
 * The multilabel state: the stat scores [tn, fp, fn, tp] per label, then the samples states of
 * precision, recall and F1 ([Σ w·value, Σ w, 0/0 rows] each, see {@link samplesState}), in one
 * count array merged by adding. Binary and multiclass read the stat-score state alone (shared
 * with the threshold metrics of the same threshold).
 */
function multilabelReportState(config: MetricConfig, options: ReportOptions): StateSpec<Float64Array> {
  const stat = statState(config, options);
  const zd = zeroDivisionValue(options.zero_division);
  const samples = RATES.map((rate, i) => samplesState(`classification_report:${FIELDS[i]}`, rate, options.threshold, zd));
  const block = 4 * config.classes;
  return countsState(`classification_report:${stat.key}:zero_division=${zd}`, block + 9, (into: Float64Array, batch: MetricBatch) => {
    into.set(stat.update(into.subarray(0, block), batch), 0);
    samples.forEach((s, i) => into.set(s.update(into.subarray(block + 3 * i, block + 3 * i + 3), batch), block + 3 * i));
  });
}

/**
 * `classification_report`: scikit-learn 1.9's `classification_report(output_dict=True,
 * labels=[0, 1] | range(C) | range(L), zero_division)` from the stat scores of the decisions
 * (`p > threshold` binary and multilabel, argmax multiclass), weighted by `sample_weight`:
 *
 * - `per_class[c]`: precision tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn), support tp+fn
 *   of class c (binary: classes 0 and 1; a class without samples is listed with support 0);
 * - `accuracy` (binary, multiclass): Σ tp / Σ support, scikit-learn's micro average;
 * - `macro_avg`: the plain mean over the classes, `weighted_avg`: weighted by support
 *   (scikit-learn's `_nanaverage`: under `zero_division: "nan"` a null is left out);
 * - multilabel also `micro_avg` (the pooled counts) and `samples_avg` (each row's rate over its
 *   labels, the mean over rows weighted by `sample_weight`); every average's support is Σ support.
 *
 * A 0/0 is `zero_division` (0, 1, or null for "nan"), with a warning naming the classes. O(C).
 */
export function classificationReport(s: StatScores, task: Task, zd: number | null, samples: Float64Array | null): MetricEntry {
  const warnings: string[] = [];
  const classes = s.tp.length;
  const undefinedAt: number[][] = [[], [], []];
  const rateOf = (rate: Rate, tp: number, fp: number, fn: number, which: number, c: number): number | null => {
    const [num, den] = rate(tp, fp, 0, fn);
    if (den !== 0) return num / den;
    if (c >= 0) undefinedAt[which].push(c);
    return zd;
  };
  const perClass: ReportRow[] = [];
  let supportTotal = 0;
  for (let c = 0; c < classes; c++) {
    const [tp, fp, fn] = [s.tp[c], s.fp[c], s.fn[c]];
    const support = tp + fn;
    supportTotal += support;
    perClass.push({ precision: rateOf(precisionRate, tp, fp, fn, 0, c), recall: rateOf(recallRate, tp, fp, fn, 1, c), f1_score: rateOf(f1Rate, tp, fp, fn, 2, c), support });
  }
  const told = zd === null ? 'null by zero_division "nan", left out of the macro and weighted averages' : `${zd} by zero_division`;
  const who = (cs: number[]) => (task === 'binary' ? `class${cs.length === 1 ? '' : 'es'} ${cs.join(' and ')}` : classesPhrase(task, cs));
  FIELDS.forEach((field, i) => {
    if (undefinedAt[i].length > 0) warnings.push(`${who(undefinedAt[i])}: ${field} is 0/0; ${told}`);
  });
  const average = (kind: 'macro' | 'weighted'): ReportRow => {
    const row = { support: supportTotal } as ReportRow;
    for (const field of FIELDS) {
      row[field] = nanAverage(`${field} (${kind} avg)`, perClass.map((r) => r[field]), kind, (c) => (kind === 'weighted' ? perClass[c].support : 1), warnings);
    }
    return row;
  };
  const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
  const [tp, fp, fn] = [sum(s.tp), sum(s.fp), sum(s.fn)];
  const entry: MetricEntry = { per_class: perClass, warnings };
  if (task !== 'multilabel') {
    // Micro precision, recall and F1 coincide for single-label classes: the accuracy.
    const accuracy = rateOf(precisionRate, tp, fp, fn, 0, -1);
    if (tp + fp === 0) warnings.push(`no samples: accuracy is 0/0; ${zd === null ? 'null' : `${zd}`} by zero_division`);
    entry.accuracy = accuracy;
  } else {
    const micro = { support: supportTotal } as ReportRow;
    FIELDS.forEach((field, i) => {
      const [num, den] = RATES[i](tp, fp, 0, fn);
      if (den === 0) warnings.push(`the pooled (micro) counts: ${field} is 0/0; ${zd === null ? 'null' : `${zd}`} by zero_division`);
      micro[field] = den === 0 ? zd : num / den;
    });
    entry.micro_avg = micro;
  }
  entry.macro_avg = average('macro');
  entry.weighted_avg = average('weighted');
  if (task === 'multilabel' && samples !== null) {
    const row = { support: supportTotal } as ReportRow;
    FIELDS.forEach((field, i) => {
      const [total, norm, zeroRows] = samples.subarray(3 * i, 3 * i + 3);
      if (zeroRows > 0) warnings.push(`${zeroRows} row${zeroRows === 1 ? '' : 's'} had a 0/0 ${field}: ${zd === null ? 'null, left out of the samples average' : `${zd} by zero_division`}`);
      if (norm === 0) warnings.push(`no row carries weight: the samples average of ${field} is undefined (null)`);
      row[field] = norm === 0 ? null : total / norm;
    });
    entry.samples_avg = row;
  }
  return entry;
}

export const classificationReportMetric = defineMetric<ReportOptions, Float64Array>({
  name: 'classification_report',
  summary: 'Per-class precision, recall, F1 and support, accuracy, macro and weighted averages (multilabel: micro and samples too); scikit-learn\'s text table with `Accept: text/plain`.',
  source: 'scikit-learn classification_report',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['threshold', 'zero_division'], multiclass: ['zero_division'], multilabel: ['threshold', 'zero_division'] },
  options: z.strictObject({ threshold, zero_division: zeroDivision }),
  needsScores: false,
  // Per class four numbers; then accuracy and up to four averages of four numbers.
  answerSize: (config) => 4 * (config.task === 'binary' ? 2 : config.classes) + 17,
  state: (options, config) => (config.task === 'multilabel' ? multilabelReportState(config, options) : statState(config, { threshold: options.threshold, top_k: 1 })),
  compute(counts, options, config, derived: Derived): MetricEntry {
    const zd = zeroDivisionValue(options.zero_division);
    if (config.task !== 'multilabel') return classificationReport(classCounts(counts, config, derived), config.task, zd, null);
    const block = 4 * config.classes;
    return classificationReport(classCounts(counts.subarray(0, block), config, derived), config.task, zd, counts.subarray(block));
  },
});
