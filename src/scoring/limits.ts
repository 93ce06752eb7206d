import { payloadTooLarge } from '../errors.js';

/**
 * Per-request limits, set once per thread (the main thread from its config, each worker from its
 * workerData) and read by the flattening stage, which is the first to know a batch's size.
 */
let maxElements = Number.POSITIVE_INFINITY;

export function configureLimits(limits: { maxElements: number }): void {
  maxElements = limits.maxElements;
}

/**
 * @throws {ProblemError} 413 when a tensor holds more numbers than MAX_ELEMENTS allows
 */
export function checkElementCount(field: string, count: number): void {
  if (count > maxElements) {
    throw payloadTooLarge(`${field} holds ${count} numbers; this service accepts at most ${maxElements} per request (MAX_ELEMENTS)`);
  }
}
