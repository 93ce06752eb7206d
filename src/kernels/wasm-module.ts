import { setFlagsFromString } from 'node:v8';

/*
 * Compile WebAssembly straight to optimized code. V8 starts a module in its baseline compiler
 * (Liftoff) and moves a function to optimized code only at a later call, while a kernel's work
 * is often one long call: a worker's first split of 10^7 scores ran in baseline code, about
 * 0.75 s slower than the next. The modules are small; optimizing them up front takes
 * milliseconds. This must run before the first module compiles, which is why it sits here.
 */
setFlagsFromString('--no-liftoff');

/** The few WebAssembly APIs used here (TypeScript's Node typings do not declare them). */
interface WasmRuntime {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;

export interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: number };
}

const PAGE = 65536;
/** Inputs up to this size run in the shared instance; larger ones in a second one (see {@link WasmKernel.forInput}). */
const KEPT_INPUT_BYTES = 1 << 20;
/**
 * Inputs up to this size, above KEPT_INPUT_BYTES, run in a second instance kept for the next
 * large call; larger ones in one of their own, dropped after the call. Fresh memory is what a
 * large call paid for most: every page of a new WebAssembly memory is faulted in on first touch,
 * and on these machines that costs 4-10 ms a MiB, more than the scan or the kernel itself (a
 * 7.7 MB focal-loss body: 250 ms to decode in a fresh instance, 50-70 ms in a kept one).
 */
const KEPT_LARGE_INPUT_BYTES = 16 << 20;

/**
 * A WebAssembly kernel module (built by scripts/build-wasm.sh, embedded as base64), compiled on
 * first use, one instance per thread. Its memory is scratch space for one call at a time: each
 * call lays its arrays out from the heap base, growing the memory to the largest call seen.
 */
export class WasmKernel<T extends WasmExports> {
  private instance: T | null = null;
  private compiled: object | null = null;
  private large: WasmKernel<T> | null = null;

  /**
   * `imports`: the JavaScript functions the module calls, by module and name (`{ env: {...} }`).
   * `kept`: whether this instance serves another call after this one (the shared instance and
   * the kept large one), so what a call leaves in its memory must be copied out to outlive it.
   */
  constructor(
    private readonly base64: string,
    private readonly imports: object = {},
    readonly kept = true,
  ) {}

  private get module(): object {
    this.compiled ??= new Module(Buffer.from(this.base64, 'base64'));
    return this.compiled;
  }

  get exports(): T {
    this.instance ??= new Instance(this.module, this.imports).exports as T;
    return this.instance;
  }

  /**
   * The instance for a call whose input is `inputBytes` long: this one up to 1 MiB; up to
   * 16 MiB a second instance of the same compiled module, kept for the next such call (so a
   * thread keeps at most the memory of its largest call up to 16 MiB of input, per module, and
   * repeated large bodies find their pages already mapped); above, an instance of its own,
   * dropped after the call so its memory is freed. Check `kept` before using results in place.
   * `largeBusy`: the kept large instance still holds results in use, so a large input gets an
   * instance of its own.
   */
  forInput(inputBytes: number, largeBusy = false): WasmKernel<T> {
    if (inputBytes <= KEPT_INPUT_BYTES) return this;
    const large = inputBytes <= KEPT_LARGE_INPUT_BYTES && !largeBusy;
    if (large && this.large) return this.large;
    const kernel = new WasmKernel<T>(this.base64, this.imports, large);
    kernel.compiled = this.module;
    if (large) this.large = kernel;
    return kernel;
  }

  /**
   * Byte offsets for arrays of the given byte lengths, 16-byte aligned, after making sure the
   * memory holds them all. Views must be taken after this call (growing detaches old ones).
   */
  layout(...byteLengths: number[]): number[] {
    const wasm = this.exports;
    const offsets: number[] = [];
    let at = wasm.__heap_base.value;
    for (const length of byteLengths) {
      at = (at + 15) & ~15;
      offsets.push(at);
      at += length;
    }
    const missing = at - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / PAGE));
    return offsets;
  }
}
