import { z } from 'zod';
import { LabelValue, labelTensor, numberTensor, sampleWeightTensor } from './common.js';
import { Task } from '../batch/task.js';

/**
 * Fields shared by every ranking metric (AUROC, average precision, ROC and PR curves): the
 * batch, how to read it, and which samples to drop. One definition, spread into each request.
 */
export const rankingBatchFields = {
  preds: numberTensor(2, 'Binary: scores [N]. Multiclass: [N, C]. Multilabel: [N, L]. Probabilities or logits.'),
  labels: labelTensor(2, 'Binary: [N] of 0/1. Multiclass: [N] of 0..C-1. Multilabel: [N, L] of 0/1. One label per row of preds (binary and multilabel: the shape of preds); otherwise a 400 naming `labels`.'),
  task: Task.optional().describe(
    'Inferred when absent: 1-D preds is binary; 2-D preds with 1-D labels multiclass; 2-D both multilabel.',
  ),
  input: z
    .enum(['auto', 'probs', 'logits'])
    .default('auto')
    .describe(
      '`auto` (torchmetrics): logits if any score lies outside [0, 1]. Exact metrics are rank-based and rank logits without squashing them: binary / multilabel logits as sent, multiclass logits by each class\'s log-odds z_c - logsumexp(z_j, j != c), which orders as softmax does without its ties at 1.0. Binned thresholds apply sigmoid (of the log-odds: softmax p_c).',
    ),
  ignore_index: LabelValue.optional().describe('Samples (multilabel: entries) with this label are dropped.'),
  num_classes: z.number().int().min(2).optional().describe('Multiclass: when given, must equal C; required when preds are class indices [N] (a 400 naming `num_classes` otherwise).'),
  num_labels: z.number().int().min(1).optional().describe('Multilabel: when given, must equal L.'),
  sample_weight: sampleWeightTensor(
    2,
    'One weight per sample, finite and >= 0 (scikit-learn): [N] (binary: shaped like labels; multilabel: one per row, each entry weighing it). Counts become weighted counts; a weight-0 sample changes nothing.',
  ).optional(),
};
