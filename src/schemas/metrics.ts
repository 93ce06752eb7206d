import { z } from 'zod';
import { describeValue } from '../errors.js';
import type { MetricDefinition } from '../metrics/definition.js';
import { metricDefinitions, metricNames } from '../metrics/registry.js';
import { labelTensor, namedExamples, numberTensor, sampleWeightTensor } from './common.js';
import { Task } from '../batch/task.js';
import { rankingBatchFields } from './ranking.js';
import { PerClass } from '../metrics/averaging.js';
import { ReportRow } from '../metrics/classification-report.js';
import { MAX_GROUPS } from '../batch/groups.js';

/**
 * A metric's options as a request sends them: every option optional, its default documented
 * but not applied, so the task check (`resolveMetrics`) can tell an option sent from one
 * defaulted; defaults are applied there, from the definition's own schema. An option that not
 * every task of the metric takes says which do: another task accepts it only at its default.
 */
function sentOptions(definition: MetricDefinition<object, unknown>): Record<string, z.ZodType> {
  const options = definition.options as unknown as z.ZodObject;
  return Object.fromEntries(
    Object.entries(options.shape).map(([name, field]) => {
      const takers = definition.tasks.filter((task) => (definition.optionsFor[task] as readonly string[] | undefined)?.includes(name));
      const where =
        takers.length === definition.tasks.length
          ? ''
          : ` Taken by ${takers.join(' and ') || 'no task'}; ${field instanceof z.ZodDefault ? 'other tasks accept it only at its default (ignored, with a warning)' : 'other tasks refuse it'}.`;
      const description = `${(field as z.ZodType).description ?? ''}${where}`.trim();
      // An option the metric cannot go without (fbeta_score's `beta`) is required in the document too.
      if (!(field instanceof z.ZodDefault)) {
        const schema = field as z.ZodType;
        return [name, (schema.safeParse(undefined).success ? schema.optional() : schema).meta(description ? { description } : {})];
      }
      return [name, (field.unwrap() as z.ZodType).optional().meta({ default: field.def.defaultValue, ...(description ? { description } : {}) })];
    }),
  );
}

const pascal = (name: string) => name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase());

/** Metrics that cannot be asked by name alone: an option of theirs has no default (`beta`, `min_recall`). */
const needsOptions = metricDefinitions.filter((d) => !(d.options as unknown as z.ZodObject).safeParse({}).success).map((d) => d.name);

const MetricName = z.enum(metricNames as [string, ...string[]]).meta({
  id: 'MetricName',
  description: `A metric of the catalogue, with its default options. ${needsOptions.map((n) => `\`${n}\``).join(', ')} need an option with no default: ask them as objects (a 400 naming the option otherwise).`,
});

const optionNames = (d: MetricDefinition<object, unknown>): string[] => Object.keys((d.options as unknown as z.ZodObject).shape);

/**
 * What an unknown option of metric `d` is told: the options it takes, and which metrics take that
 * option when some do (`multidim_average` on jaccard_index names the stat-score family).
 * `fromZodIssues` keeps this message (zod's own starts "Unrecognized key") for the option's own path.
 */
function unknownOptionMessage(d: MetricDefinition<object, unknown>, keys: readonly string[]): string {
  const takers = keys.map((key) => [key, metricDefinitions.filter((other) => optionNames(other).includes(key)).map((other) => other.name)] as const);
  const elsewhere = takers.filter(([, names]) => names.length > 0).map(([key, names]) => `; "${key}" is taken by ${names.join(', ')}`);
  return `unknown field ${keys.map((k) => `"${k}"`).join(', ')}: ${d.name} takes ${[...optionNames(d), 'key'].map((k) => `"${k}"`).join(', ')}${elsewhere.join('')}`;
}

/** `by_group`, which every metric of the registry takes (GROUPS.md). */
const ByGroup = z
  .boolean()
  .optional()
  .meta({
    default: false,
    description:
      'Also answer the metric per group of the batch\'s `groups` (fairlearn\'s MetricFrame): `by_group` (each group\'s answer over its rows alone, null for a group without rows) and, for a scalar value, `group_min`, `group_max`, `difference` (max − min) and `ratio` (min / max). Needs `groups`.',
  });

const MetricWithOptions = z.discriminatedUnion(
  'name',
  metricDefinitions.map((d) =>
    z
      .strictObject(
        {
          name: z.literal(d.name),
          key: z.string().min(1).optional().describe('The entry\'s name in the response (default: the metric\'s name), to ask one metric twice.'),
          by_group: ByGroup,
          ...sentOptions(d as MetricDefinition<object, unknown>),
        },
        { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownOptionMessage(d as MetricDefinition<object, unknown>, issue.keys) : undefined) },
      )
      .meta({ id: `${pascal(d.name)}Metric`, description: `${d.summary} Tasks: ${d.tasks.join(', ')}. Follows ${d.source}.` }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const allowedNames = metricNames.map((n) => `"${n}"`).join(', ');

/**
 * One metric of a request: a name, or an object with `name`, optional `key` and that metric's
 * options. An unknown name lists the names that exist; a known name with a bad option says
 * what is wrong with the option (zod's union would say only "Invalid input").
 */
export const MetricSpec = z.union([MetricName, MetricWithOptions], {
  error: (issue) => {
    const input = issue.input as unknown;
    const name = typeof input === 'string' ? input : input && typeof input === 'object' ? (input as { name?: unknown }).name : undefined;
    if (typeof name !== 'string' || !metricNames.includes(name)) {
      return `unknown metric ${describeValue(name ?? input)}: allowed names are ${allowedNames}, or an object {"name": ..., options}`;
    }
    const inner = MetricWithOptions.safeParse(input);
    const first = inner.success ? undefined : inner.error.issues[0];
    if (!first) return `invalid ${name} options`;
    const where = [...first.path].map(String).join('/');
    return `${name}: ${where || 'options'}: ${first.code === 'unrecognized_keys' ? `unknown option ${first.keys.map((k) => `"${k}"`).join(', ')}` : first.message}`;
  },
});
export type MetricSpec = z.infer<typeof MetricSpec>;

export const MetricsRequest = z
  .strictObject({
    ...rankingBatchFields,
    preds: numberTensor(
      4,
      'Binary: scores [N]. Multiclass: scores [N, C], or predicted class indices [N] (with task "multiclass" and num_classes). Multilabel: [N, L]. Probabilities or logits. With extra dimensions (torchmetrics\' `...`, e.g. pixels): binary [N, ...], multiclass [N, C, ...] (or class indices [N, ...]) with labels [N, ...], multilabel [N, L, ...] (rank 4 at most; give task for same-shaped inputs of rank 3 and more); metrics pool every element unless `multidim_average` is "samplewise".',
    ),
    labels: labelTensor(
      4,
      'Binary: [N] of 0/1. Multiclass: [N] of 0..C-1. Multilabel: [N, L] of 0/1; with extra dimensions, [N, ...] (multilabel [N, L, ...]). One label per row of preds (binary and multilabel: the shape of preds); otherwise a 400 naming `labels`.',
    ),
    sample_weight: sampleWeightTensor(
      4,
      'One weight per sample, finite and >= 0 (scikit-learn): [N] (binary: shaped like labels; multilabel: one per row, each entry weighing it); with extra dimensions one per element, shaped like the labels (multilabel: [N, ...], without the label axis). Counts become weighted counts; a weight-0 sample changes nothing.',
    ).optional(),
    groups: labelTensor(
      1,
      'One integer group id per sample [N] (multilabel: one per row), in 0..num_groups-1: what `by_group` and the fairness metrics split the rows by. Rows whose label is ignore_index leave their group.',
    ).optional(),
    num_groups: z.number().int().min(1).max(MAX_GROUPS).optional().describe('The group count G (default: the largest id of `groups` + 1); a group without rows answers null.'),
    num_classes: rankingBatchFields.num_classes.describe('Multiclass: when given, must equal C; required with class-index preds [N] (a 400 naming `num_classes` otherwise).'),
    metrics: z.array(MetricSpec).min(1).describe('Metric names, or objects with a name, an optional key and that metric\'s options (torchmetrics names and defaults).'),
  })
  .meta({
    ...namedExamples({
      multiclass: {
        summary: 'Multiclass probabilities: accuracy, macro and micro F1, MCC',
        value: {
          preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]],
          labels: [0, 2, 1, 1, 2],
          metrics: ['accuracy', 'f1_score', { name: 'f1_score', average: 'micro', key: 'f1_micro' }, 'matthews_corrcoef'],
        },
      },
      binaryImbalanced: {
        summary: 'Binary, 1 positive in 8: precision, recall, balanced accuracy, AUROC',
        value: {
          preds: [0.1, 0.3, 0.2, 0.6, 0.05, 0.4, 0.15, 0.7],
          labels: [0, 0, 0, 0, 0, 0, 0, 1],
          metrics: ['precision', 'recall', 'balanced_accuracy', 'auroc'],
        },
      },
      confusionMatrix: {
        summary: 'Class-index preds: the confusion matrix normalized by label (Accept image/svg+xml draws it)',
        value: { preds: [0, 2, 1, 1, 0, 2], labels: [0, 2, 1, 0, 0, 1], task: 'multiclass', num_classes: 3, metrics: [{ name: 'confusion_matrix', normalize: 'true' }] },
      },
      sklearnRows: {
        summary: 'scikit-learn rows: classification report (Accept text/plain prints its table), likelihood ratios, D² scores',
        value: {
          preds: [0.9, 0.2, 0.7, 0.4, 0.6, 0.1, 0.8, 0.3],
          labels: [1, 0, 0, 1, 1, 0, 1, 0],
          metrics: ['classification_report', 'class_likelihood_ratios', 'd2_log_loss_score', 'd2_brier_score'],
        },
      },
    }),
  });
export type MetricsRequest = z.infer<typeof MetricsRequest>;

export const MetricResult = z
  .looseObject({
    per_class: z
      .union([PerClass, z.array(PerClass), z.array(ReportRow)])
      .optional()
      .describe('What `average: "none"` answers: one value per class or label; with `multidim_average: "samplewise"`, one such array per sample ([N, C]); classification_report: one row per class.'),
    warnings: z.array(z.string()).describe('What was undefined or decided (0/0 by zero_division, classes left out of an average).'),
  })
  .meta({
    id: 'MetricResult',
    description:
      'One metric: its value under its own name (a number; a matrix for confusion_matrix; null where undefined or for average "none"), per_class where averaged over classes, fields of its own (stat_scores: tp, fp, tn, fn, support), and warnings. With `multidim_average: "samplewise"` each value is an array of one value per sample ([N], null where a sample\'s value is undefined; per_class and stat_scores\' fields of average "none" [N, C]).',
  });

export const MetricsInputUsed = z
  .enum(['probs', 'logits', 'classes'])
  .meta({ id: 'MetricsInputUsed', description: 'How preds were read, after `auto` was decided; `classes` for class-index preds.' });

export const MetricsResponse = z
  .object({
    task: Task,
    input: MetricsInputUsed,
    metrics: z.record(z.string(), MetricResult).describe('Each metric asked, under its key.'),
    warnings: z.array(z.string()).describe('Decisions about the batch that it did not state (logits inferred by auto, one-hot labels).'),
  })
  .meta({ id: 'MetricsResult', description: 'The metrics of one batch.' });
export type MetricsResponse = z.infer<typeof MetricsResponse>;
