import { lossState } from '../metrics/focal-loss.js';
import { invalidField } from '../errors.js';
import { focalLossSigmoid, focalLossSoftmax, type FocalLossOptions as KernelOptions, type FocalLossOutput } from '../kernels/focal-loss.js';
import { weightFocalLoss } from '../kernels/focal-loss-weighted.js';
import type { Task } from '../batch/task.js';
import { DEFAULT_ALPHA, type FocalLossRequest, type FocalLossResponse } from '../schemas/focal-loss.js';
import { encodeArrowResponse } from '../wire/arrow.js';
import { binaryColumn, binaryColumnWarning, emptyBatchShaped, oneHotWarning, flattenIntegers, flattenNumbers, formatShape, nest, pathOf, sameShape, sampleWeights, type LabelTensor, type Tensor } from '../batch/tensor.js';

/** Validated, typed inputs of a focal-loss computation (the "format" stage's output). */
export interface FocalLossBatch {
  task: Task;
  /** As sent: the gradient and hessian take its shape (`[B, 1]` stays `[B, 1]` when read as binary). */
  preds: Tensor;
  labels: LabelTensor;
  /**
   * `sample_weight` flattened, one weight per sample (per element of `labels`, per row of
   * multilabel labels); null when absent: every sample weighs 1, and the kernels run unweighted.
   */
  sampleWeight: Float64Array | null;
  /** Decisions the format stage made that the request did not state, for the response. */
  warnings: string[];
}

function inferTask(preds: Tensor, labels: LabelTensor, given: Task | undefined): Task {
  const pr = preds.shape.length;
  const lr = labels.shape.length;
  const multiclassShape = lr === pr - 1 && sameShape(labels.shape, preds.shape.slice(0, -1));
  const sigmoidShape = sameShape(labels.shape, preds.shape);
  if (given === 'multiclass' || (given === undefined && lr === pr - 1)) {
    if (!multiclassShape || pr < 2) {
      throw invalidField(
        'labels',
        `multiclass needs preds [B, C] or [B, N, C] and labels [B] or [B, N]; got preds ${formatShape(preds.shape)} and labels ${formatShape(labels.shape)}`,
      );
    }
    return 'multiclass';
  }
  if (!sigmoidShape) {
    throw invalidField(
      'labels',
      `${given ?? 'sigmoid focal loss'} needs labels shaped like preds; got preds ${formatShape(preds.shape)} and labels ${formatShape(labels.shape)}`,
    );
  }
  if (given === 'multilabel' && pr !== 2) throw invalidField('preds', `multilabel needs preds [B, L]; got ${formatShape(preds.shape)}`);
  if (given === 'binary' && pr > 2) throw invalidField('preds', `binary needs preds [B] or [B, N]; got ${formatShape(preds.shape)}`);
  return given ?? (pr === 1 ? 'binary' : 'multilabel');
}

/**
 * The format stage: typed tensors from the JSON body, the task inferred or checked against the
 * shapes, labels checked against the classes. Errors name the field and index.
 */
export function formatFocalLossBatch(request: FocalLossRequest): FocalLossBatch {
  return focalLossBatchFromTensors(flattenNumbers('preds', request.preds, 3), flattenIntegers('labels', request.labels, 2), request);
}

/**
 * The shape `sample_weight` takes for labels of `labelsShape`: the labels without their label
 * axis, which only multilabel labels `[B, L]` have (`[B]`); multiclass and binary labels are
 * one per sample already (`[B]` or `[B, N]`).
 */
export const focalSampleWeightShape = (task: Task, labelsShape: readonly number[]): number[] =>
  task === 'multilabel' ? labelsShape.slice(0, -1) : [...labelsShape];

/**
 * {@link formatFocalLossBatch} for tensors already flattened (by /v1/score). `sample_weight` is
 * read as the request sends it (nested arrays, or a `TypedTensor` of a flattened one) and checked
 * against the shape {@link focalSampleWeightShape} gives.
 */
export function focalLossBatchFromTensors(
  sentPreds: Tensor,
  sentLabels: LabelTensor,
  request: Pick<FocalLossRequest, 'task' | 'ignore_index' | 'input' | 'num_classes'> & { sample_weight?: unknown },
  /** Where the request says `num_classes` (`loss/num_classes` in /v1/score), for an empty batch's 400. */
  numClassesField = 'num_classes',
): FocalLossBatch {
  const warnings: string[] = [];
  const { preds, labels } = emptyBatchShaped(sentPreds, sentLabels, request.task, request.num_classes, numClassesField);
  const column = binaryColumn(preds, labels, request.task);
  if (column && request.task === undefined) warnings.push(binaryColumnWarning(preds.shape));
  const task = column ? 'binary' : inferTask(preds, labels, request.task);
  const ignore = request.ignore_index ?? null;
  const oneHot = request.task === undefined && task === 'multilabel' ? oneHotWarning(labels, ignore) : null;
  if (oneHot) warnings.push(oneHot);
  const classes = preds.shape[preds.shape.length - 1];

  const upper = task === 'multiclass' ? classes - 1 : 1;
  for (let i = 0; i < labels.data.length; i++) {
    const y = labels.data[i];
    if (y !== ignore && (y < 0 || y > upper)) {
      const allowed = task === 'multiclass' ? `0..${upper}` : '0 or 1';
      throw invalidField(pathOf('labels', labels.shape, i), `expected ${allowed}${ignore === null ? '' : ` or ignore_index ${ignore}`}, got ${y}`);
    }
  }
  if (request.input === 'probs') {
    for (let i = 0; i < preds.data.length; i++) {
      const p = preds.data[i];
      if (p < 0 || p > 1) throw invalidField(pathOf('preds', preds.shape, i), `input "probs" needs values in [0, 1], got ${p}`);
    }
  }
  if (request.num_classes !== undefined) {
    const expected = task === 'binary' ? [1, 2] : [classes];
    if (!expected.includes(request.num_classes)) {
      throw invalidField('num_classes', `must equal ${expected.join(' or ')} for this ${task} batch, got ${request.num_classes}`);
    }
  }
  const sampleWeight = sampleWeights(request.sample_weight, focalSampleWeightShape(task, labels.shape));
  return { task, preds, labels, sampleWeight, warnings };
}

/**
 * Class-balanced weights (Cui et al. 2019, "Class-Balanced Loss Based on Effective Number of
 * Samples", arXiv:1901.05555): (1 − β) / (1 − β^n_c), normalised to sum to C. Counts come from
 * the request, or from this batch's labels (weighted counts with sample weights, one per label:
 * a sample of weight 0 changes nothing); a class without samples is a 400 in the first case,
 * weight 0 with a warning in the second.
 */
function effectiveNumberWeights(
  spec: { beta: number; counts?: number[] | undefined },
  labels: Int32Array,
  sampleWeight: Float64Array | null,
  classes: number,
  ignoreIndex: number | null,
  warnings: string[],
): Float64Array {
  let counts: number[];
  if (spec.counts) {
    if (spec.counts.length !== classes) throw invalidField('alpha/effective_number/counts', `expected ${classes} class counts, got ${spec.counts.length}`);
    const empty = spec.counts.indexOf(0);
    if (empty >= 0) throw invalidField(`alpha/effective_number/counts/${empty}`, `class ${empty} has no samples: its effective number is 0 and its weight undefined`);
    counts = spec.counts;
  } else {
    counts = new Array<number>(classes).fill(0);
    for (let i = 0; i < labels.length; i++) if (labels[i] !== ignoreIndex) counts[labels[i]] += sampleWeight ? sampleWeight[i] : 1;
  }
  // 1 − β^n as −expm1(n · log β): no cancellation where β^n is close to 1, as it is for the
  // small weighted counts (sums of sample weights) that n may now be.
  const logBeta = Math.log(spec.beta);
  const raw = counts.map((n, c) => {
    if (n > 0) return (1 - spec.beta) / -Math.expm1(n * logBeta);
    warnings.push(`class ${c} has no samples in this batch${sampleWeight ? ' (or only samples of weight 0)' : ''}: its class-balanced weight is 0`);
    return 0;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  if (!Number.isFinite(total)) {
    throw invalidField('sample_weight', 'so small that the class-balanced weights alpha.effective_number takes from their sums per class overflow float64; rescale the weights, or send alpha.effective_number.counts');
  }
  return Float64Array.from(raw, (w) => (total > 0 ? (w * classes) / total : 0));
}

type PlainAlpha = Exclude<NonNullable<FocalLossRequest['alpha']> | null, { effective_number: unknown }>;

/** α as one weight per class: the seed's `[a, 1-a, ...]`, an explicit list, or all ones. */
function classWeights(alpha: PlainAlpha, classes: number): Float64Array {
  if (alpha === null) return new Float64Array(classes).fill(1);
  if (typeof alpha === 'number') {
    if (alpha >= 1) throw invalidField('alpha', 'a multiclass scalar alpha must lie in [0, 1): it weighs class 0 by a and the others by 1 - a');
    const weights = new Float64Array(classes).fill(1 - alpha);
    weights[0] = alpha;
    return weights;
  }
  if (alpha.length !== classes) throw invalidField('alpha', `expected ${classes} class weights, got ${alpha.length}`);
  return Float64Array.from(alpha);
}

/** A focal-loss response whose large arrays are still typed tensors (JSON nests them, Arrow not). */
export type FocalLossResult = Omit<FocalLossResponse, 'losses' | 'grad' | 'hess'> & { losses?: Tensor; grad?: Tensor; hess?: Tensor };

/** The JSON response: tensors as nested arrays. */
export function focalLossJson({ losses, grad, hess, ...fields }: FocalLossResult): FocalLossResponse {
  const nested = (tensor: Tensor) => nest(tensor.data, tensor.shape);
  return { ...fields, ...(losses ? { losses: nested(losses) } : {}), ...(grad ? { grad: nested(grad) } : {}), ...(hess ? { hess: nested(hess) } : {}) };
}

/** The Arrow response: `grad`, `hess` and `losses` as columns, the other fields in the metadata. */
export function focalLossArrow({ losses, grad, hess, ...fields }: FocalLossResult): Uint8Array {
  return encodeArrowResponse(fields, { ...(grad ? { grad } : {}), ...(hess ? { hess } : {}), ...(losses ? { losses } : {}) });
}

/** The focal-loss options, without the batch itself (shared with /v1/score). */
export type FocalLossOptions = Pick<FocalLossRequest, 'input' | 'alpha' | 'gamma' | 'reduction' | 'ignore_index' | 'return_grad'> &
  Partial<Pick<FocalLossRequest, 'return_hess' | 'min_hessian'>>;

/**
 * Focal loss of one batch, end to end: format, kernel, response.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export function computeFocalLoss(request: FocalLossRequest): FocalLossResult {
  // Nothing reads the logits after the loss here, so the gradient may take their place.
  return focalLossOfBatch(formatFocalLossBatch(request), request, { gradIntoPreds: true });
}

/**
 * The kernel and response stages over a formatted batch.
 *
 * @param gradIntoPreds let the gradient overwrite `preds` (only when nothing reads them later)
 */
export function focalLossOfBatch(
  { task, preds, labels, sampleWeight, warnings: formatWarnings }: FocalLossBatch,
  request: FocalLossOptions,
  { gradIntoPreds }: { gradIntoPreds: boolean } = { gradIntoPreds: false },
): FocalLossResult {
  const classes = preds.shape[preds.shape.length - 1];
  const options: KernelOptions = {
    gamma: request.gamma,
    reduction: request.reduction,
    ignoreIndex: request.ignore_index ?? null,
    inputIsProbs: request.input === 'probs',
    withLosses: request.reduction === 'none',
    withGrad: request.return_grad,
    withHess: request.return_hess ?? false,
    ...(gradIntoPreds ? { gradInto: preds.data } : {}),
  };
  const warnings = [...formatWarnings];
  const ignoreIndex = request.ignore_index ?? null;
  if (options.withHess && (task === 'multiclass' || options.inputIsProbs)) {
    throw invalidField('return_hess', 'the hessian is given for binary and multilabel focal loss on logits (a boosting objective)');
  }
  const alphaSpec = request.alpha === undefined ? DEFAULT_ALPHA : request.alpha; // null is "no weighting", not "default"
  if (request.alpha === undefined && task === 'multiclass') {
    warnings.push(`alpha was not given: the default ${DEFAULT_ALPHA} weighs class 0 (background) by ${DEFAULT_ALPHA} and every other class by ${1 - DEFAULT_ALPHA}, as the classic focal_loss module; send alpha null for equal weights`);
  } else if (request.alpha === undefined) {
    // torchvision's alpha weighs the positives, so its 0.25 weighs a rare positive class *down*
    // (tuned with gamma 2 for detection, where easy negatives abound): said, not silently applied.
    warnings.push(
      `alpha was not given: the default ${DEFAULT_ALPHA} weighs positives (label 1) by ${DEFAULT_ALPHA} and negatives by ${1 - DEFAULT_ALPHA}, as torchvision's sigmoid_focal_loss; send alpha null for equal weights, or alpha above 0.5 to weigh rare positives up`,
    );
  }
  const balanced = alphaSpec !== null && typeof alphaSpec === 'object' && !Array.isArray(alphaSpec);
  if (balanced && task === 'multilabel') throw invalidField('alpha/effective_number', 'class-balanced weights apply to multiclass and binary focal loss');

  // With sample weights the kernel answers each element's loss and derivatives unscaled (reduction
  // sum), and weightFocalLoss weighs and reduces them; without, nothing changes.
  const kernelOptions: KernelOptions = sampleWeight ? { ...options, reduction: 'sum', withLosses: true } : options;
  let output: FocalLossOutput;
  let weights: Float64Array | null;
  if (task === 'multiclass') {
    weights = balanced ? effectiveNumberWeights(alphaSpec.effective_number, labels.data, sampleWeight, classes, ignoreIndex, warnings) : classWeights(alphaSpec as PlainAlpha, classes);
    output = focalLossSoftmax(preds.data, labels.data, classes, weights, kernelOptions);
  } else {
    if (Array.isArray(alphaSpec)) {
      throw invalidField('alpha', `${task} focal loss takes a number in [0, 1] or null, as torchvision; got an array`);
    }
    weights = balanced
      ? effectiveNumberWeights(alphaSpec.effective_number, labels.data, sampleWeight, 2, ignoreIndex, warnings)
      : alphaSpec === null
        ? null
        : new Float64Array([1 - (alphaSpec as number), alphaSpec as number]);
    output = focalLossSigmoid(preds.data, labels.data, weights, kernelOptions);
  }
  const unweightedSum = output.sum;
  if (sampleWeight) output = weightFocalLoss(output, labels.data, ignoreIndex, sampleWeight, request.reduction, options.withLosses);
  const alpha = weights ? Array.from(weights) : [1, 1];
  if (output.hess && request.min_hessian !== undefined) {
    const floor = request.min_hessian;
    for (let i = 0; i < output.hess.length; i++) if (output.hess[i] < floor) output.hess[i] = floor;
  }

  if (output.count === 0) warnings.push('every element is ignored: the loss and gradient are 0');
  else if (output.weightSum === 0) warnings.push('every contributing element has sample_weight 0: the loss and gradient are 0');
  else if (unweightedSum === 0) {
    warnings.push('every element\'s loss is 0: it underflowed (predictions right with a confidence beyond float64) or its class weight is 0; the gradient is 0 too');
  }
  return {
    task,
    input: request.input,
    reduction: request.reduction,
    gamma: request.gamma,
    alpha,
    count: output.count,
    // The loss as every metric is computed: compute(update(init(), batch)) of the loss state;
    // weighted, as weightFocalLoss reduced it (the state keeps no sum of weights yet).
    ...(output.losses
      ? { losses: { data: output.losses, shape: labels.shape } }
      : { loss: sampleWeight ? output.loss : lossState.compute(lossState.update(lossState.init(), output), request.reduction) }),
    ...(output.grad ? { grad: { data: output.grad, shape: preds.shape } } : {}),
    ...(output.hess ? { hess: { data: output.hess, shape: preds.shape } } : {}),
    warnings,
  };
}
