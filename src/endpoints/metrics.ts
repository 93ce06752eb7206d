import { configOf, formatMetricBatch } from '../batch/batch.js';
import { evaluateMetrics, type MetricRequest } from '../metrics/evaluate.js';
import type { MetricsRequest, MetricsResponse } from '../schemas/metrics.js';

/**
 * The metrics of one batch (POST /v1/metrics): format once, then every metric as
 * `compute(update(init(), batch))`, metrics of one state sharing it (one pass over the rows for
 * the whole threshold family). Batch decisions are reported once, in `warnings`.
 *
 * @throws {ProblemError} 400 naming the field (`labels/3`, `metrics/2/top_k`)
 */
export function computeMetricsRequest(request: MetricsRequest): MetricsResponse {
  const batch = formatMetricBatch(request);
  const config = configOf(batch);
  const { warnings } = batch;
  const metrics = evaluateMetrics(request.metrics as MetricRequest[], { ...batch, warnings: [] }, config);
  return { task: batch.task, input: batch.classIndices ? 'classes' : batch.input, metrics, warnings };
}
