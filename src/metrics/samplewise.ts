import { z } from 'zod';
import { invalidField } from '../errors.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import { underived, type MetricDefinition, type MetricEntry } from './definition.js';
import type { StateSpec } from './state.js';

/** torchmetrics' `multidim_average`: how the extra dimensions `...` of `[N, ...]` inputs are reduced. */
export const multidimAverage = z
  .enum(['global', 'samplewise'])
  .default('global')
  .describe(
    '`global` (default) pools every element of `[N, ...]` inputs; `samplewise` computes the metric per sample over its extra dimensions (one value per sample, e.g. one F1 per image): needs inputs with extra dimensions (binary [N, ...], multiclass [N, C, ...] with labels [N, ...], multilabel [N, L, ...]), not with average "samples", and not in sessions.',
  );

export type MultidimAverage = z.output<typeof multidimAverage>;

interface SamplewiseOptions {
  multidim_average?: MultidimAverage;
  average?: string;
}

/** Rows of a batch per sample: the product of the extra dimensions (1 for a batch without them). */
export const rowsPerSample = (batch: MetricBatch): number => batch.sampleRows ?? 1;

/** Samples in a batch: rows over rows per sample. */
export const samplesOf = (batch: MetricBatch): number => (batch.rows === 0 ? 0 : batch.rows / rowsPerSample(batch));

/**
 * A state kept one block of `width` counts per sample, in batch order (N × width float64s), merged
 * by concatenation (torchmetrics' samplewise `tp`, `fp`, ... states with `dist_reduce_fx="cat"`).
 * `count` adds sample `n`'s counts into its block `into` (zeroed).
 */
export function perSampleState(key: string, width: number, count: (into: Float64Array, batch: MetricBatch, n: number) => void): StateSpec<Float64Array> {
  return {
    key,
    bytesPerSample: width * 8,
    init: () => new Float64Array(0),
    update(state, batch) {
      const samples = samplesOf(batch);
      const next = new Float64Array(state.length + samples * width);
      next.set(state);
      for (let n = 0; n < samples; n++) count(next.subarray(state.length + n * width, state.length + (n + 1) * width), batch, n);
      return next;
    },
    merge(a, b) {
      const out = new Float64Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    },
  };
}

/** How many per-sample warnings an answer lists before it counts the rest. */
const SAMPLE_WARNINGS = 20;

/**
 * A threshold metric that also answers `multidim_average: "samplewise"` (torchmetrics' option):
 * its state kept per sample (`sampleState`), and its compute run on each sample's counts alone,
 * so every per-sample value (its average over classes, its zero_division, its exclusions) is what
 * the global metric would answer for that sample alone. The answer holds, under each field the
 * global answer has, one value per sample: `[N]` (a number, or null where undefined), `per_class`
 * `[N, C]`; warnings are prefixed with the sample's index. `"global"` is the metric as defined.
 *
 * @param sampleState the per-sample state; its block width is the global state's size
 */
export function withSamplewise<O extends SamplewiseOptions>(
  definition: MetricDefinition<O, Float64Array>,
  sampleState: (config: MetricConfig, options: O) => StateSpec<Float64Array>,
  blockWidth: (config: MetricConfig) => number,
): MetricDefinition<O, Float64Array> {
  const optionsFor = Object.fromEntries(Object.entries(definition.optionsFor).map(([task, names]) => [task, [...(names as string[]), 'multidim_average']]));
  return {
    ...definition,
    optionsFor: optionsFor as MetricDefinition<O, Float64Array>['optionsFor'],
    options: (definition.options as unknown as z.ZodObject).extend({ multidim_average: multidimAverage }) as unknown as z.ZodType<O>,
    answerSize(config, options, samples) {
      const one = definition.answerSize?.(config, options, 1) ?? config.classes;
      return options.multidim_average === 'samplewise' ? one * (samples ?? 0) : one;
    },
    check(options, config, path) {
      if (options.multidim_average === 'samplewise') {
        const at = `${path}/multidim_average`;
        if (options.average === 'samples') {
          throw invalidField(at, '"samplewise" cannot be combined with average "samples" (scikit-learn\'s per-row average over labels): use average "micro", "macro", "weighted" or "none" with it, or multidim_average "global"');
        }
        if (config.multidim !== true) {
          const shapes = config.task === 'binary' ? 'preds and labels [N, ...]' : config.task === 'multiclass' ? 'preds [N, C, ...] (or class indices [N, ...]) with labels [N, ...]' : 'preds and labels [N, L, ...]';
          throw invalidField(at, `"samplewise" needs inputs with extra dimensions, ${shapes}; this batch has none: use "global" (the default)`);
        }
      }
      definition.check?.(options, config, path);
    },
    state: (options, config) => (options.multidim_average === 'samplewise' ? sampleState(config, options) : definition.state(options, config)),
    compute(state, options, config, derived): MetricEntry {
      if (options.multidim_average !== 'samplewise') return definition.compute(state, options, config, derived);
      const width = blockWidth(config);
      const samples = state.length / width;
      const fields = new Map<string, unknown[]>();
      const warnings: string[] = [];
      let untold = 0;
      for (let n = 0; n < samples; n++) {
        const entry = definition.compute(state.subarray(n * width, (n + 1) * width), options, config, underived);
        for (const [field, value] of Object.entries(entry)) {
          if (field === 'warnings') continue;
          let values = fields.get(field);
          if (!values) fields.set(field, (values = []));
          values.push(ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value);
        }
        for (const warning of entry.warnings) {
          if (warnings.length < SAMPLE_WARNINGS) warnings.push(`sample ${n}: ${warning}`);
          else untold++;
        }
      }
      if (untold > 0) warnings.push(`and ${untold} more warning${untold === 1 ? '' : 's'} about other samples`);
      // Average "none" answers per_class only, as the global metric does.
      const out: Record<string, unknown> = {};
      for (const [field, values] of fields) out[field] = options.average === 'none' && field === definition.name ? null : values;
      if (samples === 0) out[definition.name] = [];
      return { ...out, warnings };
    },
  };
}
