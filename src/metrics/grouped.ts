import { invalidField } from '../errors.js';
import { groupRowCounts, partitionByGroup } from '../batch/groups.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import { GROUP_PARTS, type Derived, type GroupParts, type MetricDefinition, type MetricEntry } from './definition.js';
import type { StateSpec } from './state.js';

/**
 * A metric's state kept per group (fairlearn's `MetricFrame`, as a state): `states[g]` is the
 * metric's own state over group g's rows, `rows[g]` how many rows group g has (ignored rows
 * left out). The overall state is every group's state merged, so the overall answer costs no
 * second pass over the rows.
 */
export interface GroupedState<S> {
  rows: Float64Array;
  states: S[];
}

/**
 * The grouped form of any state (`by_group: true`): G states of `inner`, updated in one pass that
 * splits the batch by group once per request (`partitionByGroup`, shared by every grouped state)
 * and folds each group's rows into its state; merged group by group (the merge of equal-G states;
 * the merge law holds per group, so it holds for the whole). A state that counts by group in one
 * pass (`updateByGroup`: the threshold family) skips the split. Priced as G times the state
 * (`bytes`), each row folded once as before (`workPerElement`), and the compute's work twice the
 * inner's (`computeWork`): the groups' sorts, then the overall value, whose sorted rows are the
 * groups' merged (see GroupParts; at most a sort's work).
 *
 * @param groups G, the group count (`num_groups`)
 * @throws {ProblemError} from `update`: 400 naming `groups` when the batch has none or another count
 */
export function groupedState<S>(inner: StateSpec<S>, groups: number): StateSpec<GroupedState<S>> {
  const innerCompute = inner.computeWork;
  return {
    key: `groups=${groups}:${inner.key}`,
    // A grouped state contains the grouped form of what its metric's state contains.
    ...(inner.contains === undefined ? {} : { contains: `groups=${groups}:${inner.contains}` }),
    ...(inner.bytes === undefined ? {} : { bytes: groups * (inner.bytes + 8) }),
    workPerElement: (inner.workPerElement ?? 1) + 1,
    ...(innerCompute === undefined ? {} : { computeWork: (classes: number, rows: number) => 2 * innerCompute(classes, rows) }),
    init: () => ({ rows: new Float64Array(groups), states: Array.from({ length: groups }, () => inner.init()) }),
    update(state, batch: MetricBatch) {
      if (batch.groups === undefined) throw invalidField('groups', 'is required by a metric with by_group: one group id per sample');
      if (batch.numGroups !== groups) throw invalidField('num_groups', `this state has ${groups} groups; the batch has ${batch.numGroups}`);
      const rows = Float64Array.from(state.rows);
      // A state that counts by group in one pass needs no split of the batch (the threshold family).
      if (inner.updateByGroup) {
        const states = inner.updateByGroup(state.states, batch);
        // After the count: a count that read the rows may have left their numbers per group.
        const kept = groupRowCounts(batch);
        for (let g = 0; g < groups; g++) rows[g] += kept[g];
        return { rows, states };
      }
      const partition = partitionByGroup(batch);
      const states = state.states.map((s, g) => {
        rows[g] += partition.rows[g];
        return partition.rows[g] === 0 ? s : inner.update(s, partition.batches[g]);
      });
      return { rows, states };
    },
    merge(a, b) {
      const rows = new Float64Array(groups);
      for (let g = 0; g < groups; g++) rows[g] = a.rows[g] + b.rows[g];
      return { rows, states: a.states.map((s, g) => inner.merge(s, b.states[g])) };
    },
  };
}

/** Every group's state merged, in id order: the state of all the (kept) rows. */
export const overallState = <S>(inner: StateSpec<S>, state: GroupedState<S>): S => state.states.reduce((all, s) => inner.merge(all, s), inner.init());

/**
 * A grouped metric's entry (GROUPS.md): the overall entry as the metric answers it, plus
 * `by_group` (each group's entry as the metric answers that group's rows alone; null for a group
 * without rows) and, for a scalar value, fairlearn's `MetricFrame` summaries: `group_min`,
 * `group_max` over the groups where the value is defined (null if none), `difference` =
 * max − min (`MetricFrame.difference()`), `ratio` = min / max (`MetricFrame.ratio()`; null with
 * a warning when max is 0). A value that is not a scalar (a matrix, `average: "none"`) gets
 * `by_group` only.
 *
 * @param derivedOf the shared derived values of group g, or of the overall state (`-1`)
 */
export function groupedEntry<S>(
  definition: MetricDefinition<object, unknown>,
  options: object,
  inner: StateSpec<S>,
  state: GroupedState<S>,
  config: MetricConfig,
  derivedOf: (group: number) => Derived,
): MetricEntry {
  const overallDerived = derivedOf(-1);
  // The overall values may be derived from the groups' (see GroupParts): the groups with rows.
  const withRows = state.states.flatMap((s, g) => (state.rows[g] === 0 ? [] : [g]));
  overallDerived(GROUP_PARTS, (): GroupParts => ({ states: withRows.map((g) => state.states[g]), derived: withRows.map((g) => derivedOf(g)) }));
  const overall = definition.compute(overallState(inner, state), options, config, overallDerived);
  const warnings = [...overall.warnings];
  const byGroup = state.states.map((s, g) => (state.rows[g] === 0 ? null : definition.compute(s, options, config, derivedOf(g))));
  // Each group's rows (ignored rows left out, unweighted): what its value is over.
  const groupRows = Array.from(state.rows);
  const empty = byGroup.flatMap((e, g) => (e === null ? [g] : []));
  if (empty.length > 0) warnings.push(`by_group: group${empty.length === 1 ? '' : 's'} ${empty.join(', ')} ha${empty.length === 1 ? 's' : 've'} no rows (null)`);
  const name = definition.name;
  const value = overall[name];
  const scalar = (value === null || typeof value === 'number') && (options as { average?: string }).average !== 'none';
  if (!scalar) return { ...overall, by_group: byGroup, group_rows: groupRows, warnings };
  const defined = byGroup.flatMap((e) => (e !== null && typeof e[name] === 'number' ? [e[name]] : []));
  if (defined.length === 0) {
    warnings.push('by_group: no group has a defined value, so group_min, group_max, difference and ratio are null');
    return { ...overall, by_group: byGroup, group_rows: groupRows, group_min: null, group_max: null, difference: null, ratio: null, warnings };
  }
  const min = Math.min(...defined);
  const max = Math.max(...defined);
  if (max === 0) warnings.push('by_group: ratio is 0/0 (the largest group value is 0), so null');
  return { ...overall, by_group: byGroup, group_rows: groupRows, group_min: min, group_max: max, difference: max - min, ratio: max === 0 ? null : min / max, warnings };
}

/**
 * A grouped count state as one float64 array, `[rows(G), state_0, …, state_{G−1}]`: what a
 * session's store keeps and adds. Adding two of them is their merge, as adding is the merge of
 * the count states inside (`countsState`: `dist_reduce_fx="sum"`).
 */
export function flattenGroupedCounts(state: GroupedState<Float64Array>): Float64Array {
  const size = state.states[0]?.length ?? 0;
  const out = new Float64Array(state.rows.length * (1 + size));
  out.set(state.rows, 0);
  state.states.forEach((s, g) => out.set(s, state.rows.length + g * size));
  return out;
}

/** {@link flattenGroupedCounts} undone, for G groups. */
export function unflattenGroupedCounts(values: Float64Array, groups: number): GroupedState<Float64Array> {
  const size = (values.length - groups) / groups;
  return { rows: values.slice(0, groups), states: Array.from({ length: groups }, (_, g) => values.slice(groups + g * size, groups + (g + 1) * size)) };
}
