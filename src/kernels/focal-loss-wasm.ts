import type { FocalLossOptions, FocalLossOutput } from './focal-loss-io.js';
import { planReduction } from './reduction.js';
import { WasmKernel, type WasmExports } from './wasm-module.js';
import { wasmBase64 } from './wasm/focal-softmax.wasm.js';

interface FocalSoftmaxExports extends WasmExports {
  focal_softmax(
    z: number,
    labels: number,
    rows: number,
    classes: number,
    weights: number,
    gamma: number,
    hasIgnore: number,
    ignore: number,
    scale: number,
    grad: number,
    losses: number,
    scratch: number,
  ): number;
}

/** The shared instance, for batches up to 1 MiB (see WasmKernel.forInput). */
const shared = new WasmKernel<FocalSoftmaxExports>(wasmBase64);

const copyOut = (view: Float64Array, into: Float64Array | undefined): Float64Array => {
  if (into === undefined) return view.slice();
  into.set(view);
  return into;
};

/**
 * {@link focalLossSoftmax} for logits, in WebAssembly with two-lane SIMD exponentials
 * (src/kernels/wasm/focal-softmax.c): the same formulas, about 2.5x faster than the TypeScript
 * loop, which V8 cannot vectorize. The gradient overwrites the logits in the module's memory
 * (half the memory traffic of a separate buffer) and is copied out, into `options.gradInto`
 * when given.
 */
export function focalLossSoftmaxWasm(
  preds: Float64Array,
  labels: Int32Array,
  numClasses: number,
  classWeights: Float64Array,
  options: FocalLossOptions,
): FocalLossOutput {
  const rows = labels.length;
  const { ignoreIndex, reduction, withGrad, withLosses } = options;
  const { count, scale, reduce } = planReduction(labels, ignoreIndex, reduction);

  // A batch over 1 MiB in the kept large instance, over 16 MiB in one of its own, freed after it:
  // the shared one would keep its size (see WasmKernel.forInput).
  const kernel = shared.forInput(preds.byteLength + labels.byteLength + (withLosses ? rows * 8 : 0));
  const [zAt, lossesAt, weightsAt, scratchAt, labelsAt] = kernel.layout(
    preds.byteLength,
    withLosses ? rows * 8 : 0,
    numClasses * 8,
    numClasses * 8,
    labels.byteLength,
  );
  const wasm = kernel.exports;
  const memory = wasm.memory.buffer;
  new Float64Array(memory, zAt, preds.length).set(preds);
  new Int32Array(memory, labelsAt, rows).set(labels);
  new Float64Array(memory, weightsAt, numClasses).set(classWeights);

  const sum = wasm.focal_softmax(
    zAt,
    labelsAt,
    rows,
    numClasses,
    weightsAt,
    options.gamma,
    ignoreIndex === null ? 0 : 1,
    ignoreIndex ?? 0,
    scale,
    withGrad ? zAt : 0,
    withLosses ? lossesAt : 0,
    scratchAt,
  );
  return {
    loss: reduce(sum),
    sum,
    count,
    losses: withLosses ? new Float64Array(memory, lossesAt, rows).slice() : null,
    grad: withGrad ? copyOut(new Float64Array(memory, zAt, preds.length), options.gradInto) : null,
    hess: null,
  };
}
