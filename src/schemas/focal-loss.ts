import { z } from 'zod';
import { LabelValue, labelTensor, namedExamples, numberTensor, sampleWeightTensor, tensorResult } from './common.js';
import { Task } from '../batch/task.js';

/** α when the request gives none: Lin et al.'s 0.25 (multiclass: class 0 as background). */
export const DEFAULT_ALPHA = 0.25;

export const FocalLossInput = z.enum(['logits', 'probs']);
export const Reduction = z.enum(['mean', 'sum', 'none']);

export const FocalLossRequest = z
  .strictObject({
    preds: numberTensor(
      3,
      'Multiclass: logits [B, C] or [B, N, C]. Binary: [B] or [B, N]. Multilabel: [B, L]. Finite numbers.',
    ),
    labels: labelTensor(
      2,
      'Multiclass: class indices [B] or [B, N] in 0..C-1. Binary / multilabel: 0 or 1, shaped like preds.',
    ),
    task: Task.optional().describe(
      'Inferred from the shapes when absent: labels one dimension shorter than preds is multiclass; the same shape is sigmoid focal loss (binary for [B], multilabel for [B, L]).',
    ),
    input: FocalLossInput.default('logits').describe(
      '`probs`: preds are probabilities in [0, 1]; log-probabilities are clamped at -100 as in PyTorch BCELoss.',
    ),
    alpha: z
      .union([
        z.number().min(0).max(1),
        z.array(z.number().min(0)).min(1),
        z.null(),
        z.strictObject({
          effective_number: z.strictObject({
            beta: z.number().min(0).lt(1).describe('0.9, 0.99, 0.999, 0.9999 in Cui et al.'),
            counts: z.array(z.number().int().min(0)).min(2).optional().describe('Samples per class in the training set; from this batch when absent.'),
          }),
        }),
      ], { error: () => 'expected a number in [0, 1], an array of class weights (each >= 0), null, or {"effective_number": {"beta": 0 <= beta < 1, "counts": [...]}}' })
      .optional()
      .meta({ default: DEFAULT_ALPHA })
      .describe(
        'Multiclass: a number a in [0, 1) gives class weights [a, 1-a, 1-a, ...] (class 0 is background); an array gives one weight per class; null gives all ones. Binary / multilabel: positives weigh a and negatives 1-a; null disables weighting. `{"effective_number": {"beta", "counts"}}`: class-balanced weights (1 - beta) / (1 - beta^n_c) normalised to sum to C (Cui et al. 2019; binary: C = 2, negatives and positives).',
      ),
    gamma: z.number().min(0).default(2).describe('Focusing parameter; 0 gives cross-entropy.'),
    sample_weight: sampleWeightTensor(
      2,
      'One weight per sample, finite and >= 0, shaped like labels without the label axis: [B] for multiclass [B], [B, N] for multiclass [B, N], [B] or [B, N] for binary labels of that shape, [B] for multilabel [B, L] (each entry of row i weighs w_i). The loss becomes the weighted loss (see `reduction`); a weight of 0 leaves its sample out of the loss and gives it a zero gradient.',
    ).optional(),
    reduction: Reduction.default('mean').describe(
      '`mean` divides the sum by the number of contributing (not ignored) elements, not by the sum of the class weights alpha. With `sample_weight`: `mean` is sum(w_i * loss_i) / sum(w_i) over the contributing elements (0, with a warning, when their weights sum to 0), `sum` is sum(w_i * loss_i), `none` answers w_i * loss_i; `count` stays the number of contributing elements.',
    ),
    ignore_index: LabelValue.optional().describe('Elements with this label add no loss, no gradient and do not count.'),
    return_grad: z.boolean().default(false).describe('Also return d(loss)/d(preds), shaped like preds.'),
    return_hess: z
      .boolean()
      .default(false)
      .describe(
        'Binary / multilabel logits: also return `hess`, the diagonal of the Hessian of the loss as reduced (the second derivative w.r.t. each logit; for `mean` divided by the count, like `grad`; with `sample_weight` times w_i, divided by the sum of the weights for `mean`), for gradient boosting.',
      ),
    min_hessian: z.number().min(0).optional().describe('Floor for `hess`: the exact hessian is negative for confident wrong predictions, and boosting needs it positive.'),
    num_classes: z.number().int().min(1).optional().describe('When given, must equal C (multiclass) or L (multilabel).'),
  })
  .meta({
    ...namedExamples({
      multiclassGrad: {
        summary: 'Multiclass logits with the gradient (alpha 0.25: class 0 as background)',
        value: { preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2]], labels: [0, 1, 2], alpha: 0.25, return_grad: true },
      },
      boosting: {
        summary: 'Binary logits: gradient and hessian for a boosting objective (sum)',
        value: { preds: [2.0, -3.0, 0.5, 1.2], labels: [0, 1, 1, 0], task: 'binary', return_grad: true, return_hess: true, min_hessian: 1e-6, reduction: 'sum' },
      },
      sampleWeight: {
        summary: 'Multiclass logits with one weight per sample (a weighted mean; weight 0 leaves a row out)',
        value: { preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2]], labels: [0, 1, 2], alpha: null, sample_weight: [1, 0, 2.5], return_grad: true },
      },
      classBalanced: {
        summary: 'Class-balanced weights (Cui et al.) from class counts',
        value: { preds: [[2.0, -1.0, 0.5, 0.1, 0.0], [0.1, 1.5, -0.3, 0.2, 0.4]], labels: [0, 2], alpha: { effective_number: { beta: 0.9999, counts: [2, 3, 1, 2, 2] } } },
      },
    }),
  });

export type FocalLossRequest = z.infer<typeof FocalLossRequest>;

export const FocalLossResponse = z.object({
  task: Task,
  input: FocalLossInput,
  reduction: Reduction,
  gamma: z.number(),
  alpha: z
    .array(z.number())
    .describe('Effective weight per class; for sigmoid focal loss [negatives, positives].'),
  count: z.number().int().describe('Contributing (not ignored) elements.'),
  loss: z.number().optional().describe('For mean and sum.'),
  losses: tensorResult(2, 'For reduction none: shaped like labels, 0 where ignored; with sample_weight, w_i * loss_i.').optional(),
  grad: tensorResult(3, 'd(loss)/d(preds) of the loss as reduced and weighted (for none, of the sum of losses), shaped like preds.').optional(),
  hess: tensorResult(2, 'd²(loss)/d(logit_i)² of the reduced loss (for none, of the sum of losses), shaped like preds, floored at min_hessian.').optional(),
  warnings: z.array(z.string()),
}).meta({ id: 'FocalLossResult', description: 'The focal loss of one batch (also the `loss` entry of /v1/score).' });

export type FocalLossResponse = z.infer<typeof FocalLossResponse>;
