import { z } from 'zod';
import { labelTensor, numberTensor, Task } from './common.js';

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
      .union([z.number().min(0).max(1), z.array(z.number().min(0)).min(1), z.null()])
      .default(0.25)
      .describe(
        'Multiclass: a number a in [0, 1) gives class weights [a, 1-a, 1-a, ...] (class 0 is background); an array gives one weight per class; null gives all ones. Binary / multilabel: positives weigh a and negatives 1-a; null disables weighting.',
      ),
    gamma: z.number().min(0).default(2).describe('Focusing parameter; 0 gives cross-entropy.'),
    reduction: Reduction.default('mean').describe(
      '`mean` divides the sum by the number of contributing elements (not by the sum of weights).',
    ),
    ignore_index: z.number().int().optional().describe('Elements with this label add no loss, no gradient and do not count.'),
    return_grad: z.boolean().default(false).describe('Also return d(loss)/d(preds), shaped like preds.'),
    num_classes: z.number().int().min(1).optional().describe('When given, must equal C (multiclass) or L (multilabel).'),
  })
  .meta({
    examples: [
      {
        preds: [
          [2.0, -1.0, 0.5],
          [0.1, 1.5, -0.3],
          [-0.7, 0.2, 2.2],
        ],
        labels: [0, 1, 2],
        return_grad: true,
      },
    ],
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
  losses: z.array(z.unknown()).optional().describe('For reduction none: shaped like labels, 0 where ignored.'),
  grad: z.array(z.unknown()).optional().describe('d(loss)/d(preds) (for none: of the sum of losses), shaped like preds.'),
  warnings: z.array(z.string()),
});

export type FocalLossResponse = z.infer<typeof FocalLossResponse>;
