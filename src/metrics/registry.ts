import { cohenKappa, matthewsCorrcoef } from './agreement.js';
import { calibrationError } from './calibration-error.js';
import { brierScore, hingeLoss, logLoss } from './losses.js';
import { coverageError, rankingAveragePrecision, rankingLoss } from './multilabel-ranking.js';
import { balancedAccuracy, geometricMean } from './balanced.js';
import { confusionMatrix, jaccardIndex } from './confusion-matrix.js';
import type { MetricDefinition } from './definition.js';
import { exactMatch } from './exact-match.js';
import { eer, logauc, precisionAtFixedRecall, recallAtFixedPrecision, sensitivityAtSpecificity, specificityAtSensitivity } from './operating-point.js';
import { auroc } from './auroc.js';
import { averagePrecision } from './average-precision.js';
import { accuracy, f1Score, fbetaScore, hammingDistance, negativePredictiveValue, precision, recall, specificity } from './rates.js';
import { statScores } from './stat-scores.js';
// scikit-learn's remaining classification rows (issue 26).
import { classificationReportMetric } from './classification-report.js';
import { d2BrierScore, d2LogLossScore } from './d2-scores.js';
import { classLikelihoodRatios } from './likelihood-ratios.js';
import { demographicParity, equalOpportunity, groupsStatRates } from './fairness.js';

/**
 * Every metric the service answers, in catalogue order (METRICS.md). /v1/metrics, /v1/score,
 * sessions, the OpenAPI document and the metric table of docs/metrics.md are all built from this list.
 */
export const metricDefinitions = [
  statScores,
  confusionMatrix,
  accuracy,
  precision,
  recall,
  specificity,
  negativePredictiveValue,
  f1Score,
  fbetaScore,
  jaccardIndex,
  hammingDistance,
  exactMatch,
  matthewsCorrcoef,
  cohenKappa,
  balancedAccuracy,
  geometricMean,
  calibrationError,
  logLoss,
  brierScore,
  hingeLoss,
  precisionAtFixedRecall,
  recallAtFixedPrecision,
  sensitivityAtSpecificity,
  specificityAtSensitivity,
  eer,
  logauc,
  coverageError,
  rankingAveragePrecision,
  rankingLoss,
  auroc,
  averagePrecision,
  // scikit-learn's remaining classification rows (issue 26).
  classificationReportMetric,
  classLikelihoodRatios,
  d2LogLossScore,
  d2BrierScore,
  // Group fairness (GROUPS.md), binary with groups.
  demographicParity,
  equalOpportunity,
  groupsStatRates,
] as unknown as readonly MetricDefinition<object, unknown>[];

export const metricNames: readonly string[] = metricDefinitions.map((d) => d.name);

const byName = new Map(metricDefinitions.map((d) => [d.name, d]));

export const metricDefinition = (name: string): MetricDefinition<object, unknown> | undefined => byName.get(name);
