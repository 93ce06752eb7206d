/**
 * The pool's entry point: named tasks only, no math. Each receives raw request bytes
 * (transferred, not copied), decodes and validates them with the route's own schema, runs the
 * computation and transfers the encoded response back.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { configureLimits, type Limits } from '../batch/limits.js';
import { withFlatTensors } from '../batch/tensor.js';
import { withLentTensors } from '../wire/json-numbers.js';
import { ProblemError, type Problem } from '../errors.js';
import { resultBytes, scoringTasks, type OutputFormat, type ScoringInput, type ScoringTaskName } from '../endpoints/tasks.js';
import { prepareBody, sessionAnswerText, sessionCurvesText, type PreparedBatch, type SessionBatchInput, type SessionConfig, type SessionCurve } from '../sessions/session.js';
import { sessionDecisionText, type DecisionFormat, type SessionDecision } from '../sessions/decisions.js';
import { sessionReportText, type ReportOptions } from '../sessions/report.js';

configureLimits((workerData as { limits: Limits }).limits);

export interface PoolTask {
  task: ScoringTaskName;
  input: Exclude<ScoringInput, { kind: 'validated' }>;
  format: OutputFormat;
  fallback: OutputFormat | null;
}

/** What a worker answers: the response bytes (transferred) with the batch's shape, or a problem for the client. */
export type WorkerReply = { bytes: Uint8Array; format: OutputFormat; shape: number[] | undefined } | { problem: Problem; headers: Record<string, string> };

export function score({ task, input, format, fallback }: PoolTask): WorkerReply {
  try {
    // Only the writer reads the answer here: its tensors are not nested into arrays. The body's
    // tensors are lent by the decoder for this one synchronous call (the answer's bytes hold none).
    const { outcome, bytes } = withLentTensors(() =>
      withFlatTensors(() => {
        const outcome = scoringTasks[task].execute(input, format, fallback);
        return { outcome, bytes: resultBytes(outcome.payload) };
      }),
    );
    // Posted with the bytes' buffer in the transfer list: the answer moves, it is not copied.
    return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: { bytes, format: outcome.format, shape: outcome.shape } }) as unknown as WorkerReply;
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Rows chunks on their way to a worker: each with its own buffer, or packed in one. */
export type RowsForWorker = { list: Uint8Array[] } | { packed: Uint8Array; ends: number[] };

const unpack = (rows: RowsForWorker): Uint8Array[] =>
  'list' in rows ? rows.list : rows.ends.map((end, i) => rows.packed.subarray(i === 0 ? 0 : rows.ends[i - 1], end));

/** A session's accumulated state, sent to a worker to compute. */
export interface SessionComputeTask {
  config: SessionConfig;
  counts: Uint8Array | null;
  /** The rows chunks: as they are (each transferred with its own buffer), or packed back to back with `ends`. */
  chunks: RowsForWorker;
  rows: number;
  batches: number;
  head: { id: string; task: string };
  expiresAt: string;
}

/** A session's curves, sent to a worker to draw or list. */
export interface SessionCurveTask {
  config: SessionConfig;
  chunks: RowsForWorker;
  curve: SessionCurve;
  options: { drop_intermediate: boolean; max_points?: number | undefined };
  svg: boolean;
}

type SessionReply = { bytes: Uint8Array } | { problem: Problem; headers: Record<string, string> };

/** A session task's text, moved back as bytes; a ProblemError as the client's problem. */
function answered(text: () => string): SessionReply {
  try {
    const bytes = new TextEncoder().encode(text());
    return move({ [transferableSymbol]: bytes.buffer, [valueSymbol]: { bytes } }) as unknown as { bytes: Uint8Array };
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Computes a session off the main thread: its answer as JSON bytes. */
export const sessionCompute = (task: SessionComputeTask): SessionReply =>
  answered(() => sessionAnswerText(task.config, { counts: task.counts, chunks: unpack(task.chunks), rows: task.rows, batches: task.batches }, task.head, task.expiresAt));

/** A session's curves off the main thread: JSON or SVG bytes. */
export const sessionCurve = (task: SessionCurveTask): SessionReply => answered(() => sessionCurvesText(task.config, unpack(task.chunks), task.curve, task.options, task.svg));

/** A session's thresholds or calibration, sent to a worker to compute (and draw). */
export interface SessionDecisionTask {
  config: SessionConfig;
  chunks: RowsForWorker;
  decision: SessionDecision;
  format: DecisionFormat;
}

/** A session's thresholds or calibration off the main thread: JSON or SVG bytes. */
export const sessionDecision = (task: SessionDecisionTask): SessionReply => answered(() => sessionDecisionText(task.config, unpack(task.chunks), task.decision, task.format));

/** A session's report, sent to a worker: its whole state, as for a compute, and the report's options. */
export interface SessionReportTask extends SessionComputeTask {
  options: ReportOptions;
}

/** A session's report page off the main thread: HTML bytes. */
export const sessionReport = (task: SessionReportTask): SessionReply =>
  answered(() => sessionReportText(task.config, { counts: task.counts, chunks: unpack(task.chunks), rows: task.rows, batches: task.batches }, task.head, task.expiresAt, task.options));

/** Prepares a large session batch off the main thread (decode, check, count); a problem for a bad one. */
export function sessionPrepare({ config, input }: { config: SessionConfig; input: SessionBatchInput }): { prepared: PreparedBatch & { fingerprint: string } } | { problem: Problem; headers: Record<string, string> } {
  try {
    return { prepared: prepareBody(config, input) };
  } catch (error) {
    if (error instanceof ProblemError) return error.toJSON();
    throw error;
  }
}

/** Lets the pool start every thread before the service reports ready. */
export const ping = (): string => 'pong';
