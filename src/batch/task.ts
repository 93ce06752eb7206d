import { z } from 'zod';

/**
 * The classification task of a batch: `binary`, `multiclass` or `multilabel`. The batch layer
 * infers it from the shapes when a request does not say (src/batch/tensor.ts, ranking-batch.ts,
 * batch.ts), so its one schema lives here and the request schemas (src/schemas/) compose it;
 * the OpenAPI component is `Task`.
 */
export const Task = z.enum(['binary', 'multiclass', 'multilabel']).meta({ id: 'Task', description: 'The classification task: inferred from the shapes when a request does not say.' });
export type Task = z.infer<typeof Task>;

/** How a batch's preds were read, after `input: "auto"` was decided (src/batch/ranking-batch.ts); answers report it. */
export const InputUsed = z.enum(['probs', 'logits']).meta({ id: 'InputUsed', description: 'How preds were read, after `auto` was decided.' });
export type InputUsed = z.infer<typeof InputUsed>;
