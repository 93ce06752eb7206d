import { z } from 'zod';
import type { Task } from '../batch/task.js';
import type { MetricConfig } from '../batch/batch.js';
import type { StateSpec } from './state.js';

/**
 * One entry of a metrics response: the value under the metric's own name (a number, a matrix,
 * or null where undefined or `average` is "none"), `per_class` where the metric averages over
 * classes, metric-specific fields, and `warnings` naming what was undefined.
 */
export type MetricEntry = Record<string, unknown> & { warnings: string[] };

/**
 * Values derived from one state (its stat scores, its matrices, its sorted counts), made once
 * and shared by every metric of its compute group within one compute.
 */
export type Derived = <T>(name: string, make: () => T) => T;

/** No sharing: each value made where it is asked for. */
export const underived: Derived = (_name, make) => make();

/**
 * What a grouped metric's overall {@link Derived} holds under {@link GROUP_PARTS}: the states of
 * its groups with rows (whose merge is the overall state) and each one's Derived, so a value
 * derived from the overall state may be made from the groups' own (the overall sort of a
 * ranking metric, merged from its groups' sorts) instead of from every row again.
 */
export interface GroupParts {
  states: readonly unknown[];
  derived: readonly Derived[];
}

/** The name of the {@link GroupParts} in a grouped metric's overall Derived (absent: null). */
export const GROUP_PARTS = 'group_parts';

/** The {@link GroupParts} a Derived holds, or null (not the overall of a grouped metric). */
export const groupPartsOf = (derived: Derived): GroupParts | null => derived<GroupParts | null>(GROUP_PARTS, () => null);

/**
 * A metric, declared once: its name, the tasks it exists for, its options (torchmetrics names
 * and defaults), the state it needs, and how that state computes the answer. The stateless
 * endpoints run `compute(update(init(), batch))`; sessions keep the state between batches.
 */
export interface MetricDefinition<O extends object = object, S = unknown> {
  name: string;
  /** One line for the OpenAPI document and the metric table of docs/metrics.md. */
  summary: string;
  /** The torchmetrics or scikit-learn function it follows. */
  source: string;
  tasks: readonly Task[];
  /** The options each task takes (the task's torchmetrics functional's arguments). */
  optionsFor: Partial<Record<Task, readonly (keyof O & string)[]>>;
  /** Every option, with its default; parsed after the task is known. */
  options: z.ZodType<O>;
  /**
   * How many numbers its answer holds at most (default: one per class, `per_class`), before
   * anything is computed; `samples` is the batch's sample count where known (a samplewise answer
   * holds one answer per sample), else 0.
   */
  answerSize?(config: MetricConfig, options: O, samples?: number): number;
  /**
   * Work of `compute` over a state of `rows` rows beyond reading it, for the cost model (sorts of
   * kept rows, bootstrap resamples); default none (a count state computes in O(classes)).
   */
  work?(options: O, config: MetricConfig, rows: number): number;
  /** Needs scores: class-index preds are a 400 naming `preds`. */
  needsScores: boolean;
  /** Checks between options and the batch that the schema cannot see; throws a 400 under `path`. */
  check?(options: O, config: MetricConfig, path: string): void;
  state(options: O, config: MetricConfig): StateSpec<S>;
  compute(state: S, options: O, config: MetricConfig, derived: Derived): MetricEntry;
}

/** Keeps each definition's own option and state types while the registry holds them alike. */
export const defineMetric = <O extends object, S>(definition: MetricDefinition<O, S>): MetricDefinition<O, S> => definition;

/** The options shared by the threshold family, with torchmetrics' defaults. */
export const threshold = z.number().min(0).max(1).default(0.5).describe('Binary / multilabel: a score above it (σ of a logit) predicts positive.');
export const averageOption = z
  .enum(['micro', 'macro', 'weighted', 'none'])
  .default('macro')
  .describe('`micro` pools the counts; `macro` (default) and `weighted` (by support) average per-class values; `none` answers per_class only.');
export const topK = z.number().int().min(1).default(1).describe('Multiclass with scores: a row predicts its k highest-scoring classes.');
export const zeroDivision = z
  .union([z.literal(0), z.literal(1), z.literal('nan')])
  .default(0)
  .describe(
    'The value of a 0/0 (a warning names the class). `"nan"` (scikit-learn ≥ 1.3\'s `np.nan`): the value is null and left out of macro, weighted and samples averages; an average with nothing left is null.',
  );

/** What a 0/0 becomes: torchmetrics' 0 or 1, or scikit-learn's `np.nan` (answered `null`). */
export type ZeroDivision = z.output<typeof zeroDivision>;

/** The value of a 0/0 under `zero_division`: null for `"nan"`. */
export const zeroDivisionValue = (zd: ZeroDivision | undefined): number | null => (zd === 'nan' ? null : (zd ?? 0));

/** The option names of the stat-score family per task, as torchmetrics' `*_stat_scores`. */
export const statScoreOptions = <E extends string = never>(...extra: E[]) => ({
  binary: ['threshold', ...extra] as ('threshold' | E)[],
  multiclass: ['average', 'top_k', ...extra] as ('average' | 'top_k' | E)[],
  multilabel: ['threshold', 'average', ...extra] as ('threshold' | 'average' | E)[],
});
