import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { invalidField, notAcceptable } from '../../errors.js';
import { bearerToken } from '../../plugins/auth.js';
import { okResponse, problemResponses, sessionProblemResponses } from '../../schemas/common.js';
import { DetCurveResponse, PrecisionRecallResponse, RocResponse } from '../../metrics/curves.js';
import {
  SessionBatchRequest,
  SessionBatchResponse,
  SessionCreateRequest,
  SessionDescription,
  SessionMergeRequest,
  SessionCalibrationQuery,
  SessionParams,
  SessionReportQuery,
  SessionResult,
  SessionThresholdsQuery,
} from '../../schemas/sessions.js';
import { ThresholdsResponse } from '../../metrics/thresholds.js';
import { CalibrationResponse } from '../../metrics/calibration.js';
import { DECISION_ENCODERS, sessionDecisionText, type DecisionFormat, type SessionDecision } from '../../sessions/decisions.js';
import { sessionReportText } from '../../sessions/report.js';
import type { SessionStore } from '../../sessions/store.js';
import { SessionService, expiresAt, type Session } from '../../sessions/service.js';
import { prepareBody, sessionAnswerText, sessionPlan, sessionCurvesText, type PreparedBatch, type SessionBatchInput, type SessionConfig } from '../../sessions/session.js';
import type { RowsForWorker, SessionComputeTask, SessionCurveTask, SessionDecisionTask, SessionReportTask } from '../../workers/scoring-worker.js';
import { RawBody, ownBuffer } from '../../wire/json-body.js';
import { rawInputOf } from '../../plugins/body-parsers.js';
import { unlessTooCostly } from '../../batch/limits.js';
import { MEMORY_PER_BODY_BYTE, MEMORY_PER_ROWS_BYTE } from '../../plugins/scoring.js';

const tags = ['sessions'];

const { 404: missing, 409: conflicting, 422: keyReused } = sessionProblemResponses;

/**
 * The largest creation or merge body: parsed on the main thread (these routes take no raw
 * bodies), so bounded to what parses in a few milliseconds; 256 metrics with long threshold
 * lists fit.
 */
const CONFIG_BODY_LIMIT = 4 * 1024 * 1024;

/** Sessions of more rows than this compute in the worker pool (a 64-row batch computes inline). */
const INLINE_SESSION_ROWS = 50_000;

/** Who owns what a request creates or reads: the digest of its bearer token (null without API_TOKENS). */
function ownerOf(request: FastifyRequest, config: Config): string | null {
  if (config.API_TOKENS.length === 0) return null;
  return createHash('sha256').update(bearerToken(request.headers.authorization ?? '') ?? '').digest('hex');
}

const describe = ({ record, config }: Session) => ({
  id: record.id,
  task: config.task,
  num_classes: config.num_classes,
  num_labels: config.num_labels,
  input: config.input,
  ignore_index: config.ignore_index,
  ...(config.num_groups === undefined ? {} : { num_groups: config.num_groups }),
  loss: config.loss,
  metrics: config.metrics,
  keep_rows: sessionPlan(config).keepsRows,
  ttl_seconds: record.ttlSeconds,
  expires_at: expiresAt(record),
});

/** A batch's body as received: parsed JSON, or raw JSON (large) and Arrow bytes to decode where they are counted. */
function batchInput(request: FastifyRequest): SessionBatchInput {
  const body = request.body;
  if (body instanceof RawBody && body.format === 'arrow') return { kind: 'arrow', bytes: body.bytes, query: request.query as Record<string, unknown> };
  const stray = Object.keys((request.query ?? {}) as object)[0];
  if (stray !== undefined) throw invalidField(stray, 'a JSON batch carries its tensors in the body; the query string is for Arrow batches');
  return body instanceof RawBody ? { kind: 'json', bytes: body.bytes } : { kind: 'validated', body };
}

/**
 * Rows chunks for a worker, with what to transfer: as they are when each owns its buffer (a
 * store's blobs usually do; no copy), else packed back to back in one buffer.
 */
function rowsForWorker(chunks: readonly Uint8Array[]): { rows: RowsForWorker; transfer: ArrayBuffer[] } {
  const owning = chunks.length <= 4096 && chunks.every((c) => c.buffer instanceof ArrayBuffer && c.byteOffset === 0 && c.byteLength === c.buffer.byteLength);
  if (owning) return { rows: { list: [...chunks] }, transfer: chunks.map((c) => c.buffer as ArrayBuffer) };
  const packed = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  const ends: number[] = [];
  let at = 0;
  for (const chunk of chunks) {
    packed.set(chunk, at);
    at += chunk.byteLength;
    ends.push(at);
  }
  return { rows: { packed, ends }, transfer: [packed.buffer] };
}

/** The curve options a GET takes in its query. */
const CurveQuery = z.strictObject({
  // The query string carries `true` / `false`; a generated client holds a boolean and writes those words.
  drop_intermediate: z
    .stringbool({ truthy: ['true'], falsy: ['false'] })
    .default(true)
    .meta({ type: 'boolean', default: true, description: 'ROC: drop collinear points, as scikit-learn (`true`, the default, or `false`).' }),
  max_points: z.coerce.number().int().min(2).max(100_000).optional().describe('At most this many points per curve, evenly along it.'),
});

/** The DET curve's query: `drop_intermediate` defaults to false there, as scikit-learn's det_curve. */
const DetCurveQuery = z.strictObject({
  drop_intermediate: z
    .stringbool({ truthy: ['true'], falsy: ['false'] })
    .default(false)
    .meta({ type: 'boolean', default: false, description: 'Drop points on horizontal runs of the DET curve, as scikit-learn\'s det_curve (`false`, the default, or `true`).' }),
});

/**
 * Sessions (SESSIONS.md): metrics over an epoch, accumulated batch by batch, across processes
 * and replicas. Thin handlers: checks and math in src/sessions.
 */
const sessionRoutes: FastifyPluginAsyncZod<{ config: Config; store: SessionStore }> = async (app, { config, store }) => {
  const sessions = new SessionService(store, { maxRows: config.SESSION_MAX_ROWS, maxScores: config.SESSION_MAX_SCORES, maxStateBytes: config.SESSION_MAX_STATE_BYTES, ttlSeconds: config.SESSION_TTL_SECONDS });
  const owner = (request: FastifyRequest) => ownerOf(request, config);
  /** A session task run in the worker pool, its rows handed over without a copy where possible: the text it answers. */
  const offloadText = async <T>(reply: FastifyReply, name: string, chunks: readonly Uint8Array[], task: (rows: RowsForWorker) => T): Promise<string> => {
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const memory = { bytes: size * MEMORY_PER_ROWS_BYTE, field: 'session', what: `this session's ${Math.ceil(size / 1048576)} MiB of kept rows` };
    const { rows, transfer } = rowsForWorker(chunks);
    const { bytes } = await app.scoring.offload<{ bytes: Uint8Array }>(name, task(rows), transfer, reply, memory);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  };

  app.post(
    '/v1/sessions',
    {
      bodyLimit: CONFIG_BODY_LIMIT,
      schema: {
        operationId: 'createSession',
        tags,
        summary: 'Create a session: metrics (and a loss) accumulated over many batches',
        description:
          'Fixes what every batch of the session shares: task, classes, input, ignore_index, the focal-loss options and the metrics. Post batches to /v1/sessions/{id}/batches, read the epoch with GET /v1/sessions/{id}, start a new epoch with POST /v1/sessions/{id}/reset.',
        body: SessionCreateRequest,
        response: { 201: { description: 'Created; `Location` names it.', content: { 'application/json': { schema: SessionDescription } } }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const session = await sessions.create(request.body, owner(request));
      return reply.code(201).header('location', `/v1/sessions/${session.record.id}`).send(describe(session));
    },
  );

  app.post(
    '/v1/sessions/:id/batches',
    {
      // Raw bodies (large JSON, Arrow) are decoded where the batch is counted (batchInput).
      config: { rawBodies: true },
      schema: {
        operationId: 'addSessionBatch',
        tags,
        summary: 'Add one batch to a session',
        description:
          'JSON `{"preds", "labels", "sample_weight"}` or an Arrow stream (columns preds, labels, sample_weight), shaped as the session says. With a loss, answers this batch\'s loss (and grad) at once, so a training step needs one call. `Idempotency-Key`: a retried batch counts once and gets its first answer; the same key with another batch is a 422.',
        params: SessionParams,
        headers: z.object({ 'idempotency-key': z.string().optional().describe('Any 1–255 printable ASCII characters; one per batch (a UUID).') }),
        body: SessionBatchRequest,
        response: { ...okResponse('The running totals, and this batch\'s loss.', { 'application/json': SessionBatchResponse }), ...problemResponses, 404: missing, 422: keyReused },
      },
    },
    async (request, reply) => {
      const input = batchInput(request);
      const prepare = async (session: SessionConfig) => {
        // Large raw bodies, and small ones priced too costly for the event loop, are decoded and
        // counted in the worker pool; the store is applied here.
        const small = input.kind === 'validated' || input.bytes.byteLength <= config.INLINE_MAX_BYTES;
        const inline = small ? unlessTooCostly(() => prepareBody(session, input)) : undefined;
        if (inline !== undefined) return inline;
        const raw = rawInputOf(request, input);
        const bytes = ownBuffer(raw.bytes);
        const memory = { bytes: bytes.byteLength * MEMORY_PER_BODY_BYTE, field: 'body', what: `a batch of ${Math.ceil(bytes.byteLength / 1048576)} MiB` };
        const answer = await app.scoring.offload<{ prepared: PreparedBatch & { fingerprint: string } }>('sessionPrepare', { config: session, input: { ...raw, bytes } }, [bytes.buffer as ArrayBuffer], reply, memory);
        return answer.prepared;
      };
      const answer = await sessions.addBatch(request.params.id, owner(request), prepare, request.headers['idempotency-key']);
      return reply.type('application/json; charset=utf-8').serializer((text: string) => text).send(answer);
    },
  );

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        operationId: 'computeSession',
        tags,
        summary: 'The metrics and loss of everything posted to a session',
        description: 'Every metric as /v1/metrics answers it for the concatenation of the batches; the epoch loss over every contributing element.',
        params: SessionParams,
        response: { ...okResponse('The epoch\'s metrics.', { 'application/json': SessionResult }), ...problemResponses, 404: missing },
      },
    },
    async (request, reply) => {
      const { record, config: session, state } = await sessions.load(request.params.id, owner(request));
      const head = { id: record.id, task: session.task };
      // Small states compute here unless priced too costly (bootstrap intervals); large ones in
      // the worker pool, so the event loop stays free.
      const text =
        (state.rows <= INLINE_SESSION_ROWS ? unlessTooCostly(() => sessionAnswerText(session, state, head, expiresAt(record))) : undefined) ??
        (await offloadText(reply, 'sessionCompute', state.chunks, (chunks): SessionComputeTask => ({ config: session, counts: state.counts, chunks, rows: state.rows, batches: state.batches, head, expiresAt: expiresAt(record) })));
      return reply.type('application/json; charset=utf-8').serializer((t: string) => t).send(text);
    },
  );

  for (const [curve, name, schema, query, operationId] of [
    ['roc', 'ROC curves', RocResponse, CurveQuery, 'sessionRoc'],
    ['precision-recall-curve', 'precision-recall curves', PrecisionRecallResponse, CurveQuery, 'sessionPrecisionRecallCurve'],
    ['det-curve', 'DET curve', DetCurveResponse, DetCurveQuery, 'sessionDetCurve'],
  ] as const) {
    app.get(
      `/v1/sessions/:id/${curve}`,
      {
        schema: {
          operationId,
          tags,
          summary: `The ${name} of everything posted to a session`,
          description: `As /v1/${curve} answers for the concatenated batches; \`Accept: image/svg+xml\` draws them.`,
          params: SessionParams,
          querystring: query,
          response: { ...okResponse(`The ${name}.`, { 'application/json': schema, 'image/svg+xml': z.string() }), ...problemResponses, 404: missing, 409: conflicting },
        },
      },
      async (request, reply) => {
        const type = request.accepts().type(['application/json', 'image/svg+xml']);
        if (type === false) throw notAcceptable('this operation answers application/json or image/svg+xml');
        const svg = type === 'image/svg+xml';
        const { config: session, state } = await sessions.rows(request.params.id, owner(request));
        const options = request.query as z.output<typeof CurveQuery>;
        const text =
          (state.rows <= INLINE_SESSION_ROWS ? unlessTooCostly(() => sessionCurvesText(session, state.chunks, curve, options, svg)) : undefined) ??
          (await offloadText(reply, 'sessionCurve', state.chunks, (chunks): SessionCurveTask => ({ config: session, chunks, curve, options, svg })));
        return reply.type(svg ? 'image/svg+xml; charset=utf-8' : 'application/json; charset=utf-8').serializer((t: string) => t).send(text);
      },
    );
  }

  /** The media type of each decision format. */
  const DECISION_TYPES: Record<DecisionFormat, string> = { json: 'application/json', svg: 'image/svg+xml' };

  for (const [kind, query, operationId, summary, description, formats] of [
    [
      'thresholds',
      SessionThresholdsQuery,
      'sessionThresholds',
      'The decision threshold of everything posted to a session, tuned to an objective',
      'As POST /v1/thresholds answers for the concatenated batches (binary; multilabel per label; a multiclass session is a 400 naming `task`). The options are query parameters: names, numbers and booleans as themselves, objects and lists as JSON text (`objective={"name":"fbeta_score","beta":2}`, `constraint={"metric":"precision","min":0.8}`, `thresholds=[0.2,0.5]`, `thresholds=50`); `Accept: image/svg+xml` draws the objective by threshold with the tuned one marked. The session must keep its rows (`keep_rows`, or an exact ranking metric): 409 otherwise.',
      { 'application/json': ThresholdsResponse, 'image/svg+xml': z.string().describe('The objective at every threshold of the epoch, each label\'s tuned threshold marked (as POST /v1/thresholds draws it).') },
    ],
    [
      'calibration',
      SessionCalibrationQuery,
      'sessionCalibration',
      'The probability calibration of everything posted to a session',
      'As POST /v1/calibration answers for the concatenated batches (`probs` in the order the batches were posted), `?method=sigmoid|isotonic|temperature&return_probs=true`; `Accept: image/svg+xml` draws the reliability diagrams before and after. The session must keep its rows (`keep_rows`, or an exact ranking metric): 409 otherwise.',
      { 'application/json': CalibrationResponse, 'image/svg+xml': z.string().describe('The reliability diagrams of the epoch before and after calibration, side by side.') },
    ],
  ] as const) {
    const offered = Object.keys(DECISION_ENCODERS[kind]) as DecisionFormat[];
    app.get(
      `/v1/sessions/:id/${kind}`,
      {
        schema: {
          operationId,
          tags,
          summary,
          description,
          params: SessionParams,
          querystring: query,
          response: { ...okResponse(`${summary}.`, formats), ...problemResponses, 404: missing, 409: conflicting },
        },
      },
      async (request, reply) => {
        const type = request.accepts().type(offered.map((f) => DECISION_TYPES[f]));
        if (type === false) throw notAcceptable(`this operation answers ${offered.map((f) => DECISION_TYPES[f]).join(' or ')}`);
        const format = offered.find((f) => DECISION_TYPES[f] === type) as DecisionFormat;
        const { config: session, state } = await sessions.rows(request.params.id, owner(request), kind);
        const decision = { kind, options: request.query } as SessionDecision;
        const text =
          (state.rows <= INLINE_SESSION_ROWS ? unlessTooCostly(() => sessionDecisionText(session, state.chunks, decision, format)) : undefined) ??
          (await offloadText(reply, 'sessionDecision', state.chunks, (chunks): SessionDecisionTask => ({ config: session, chunks, decision, format })));
        return reply.type(format === 'svg' ? 'image/svg+xml; charset=utf-8' : 'application/json; charset=utf-8').serializer((t: string) => t).send(text);
      },
    );
  }

  app.get(
    '/v1/sessions/:id/report',
    {
      schema: {
        operationId: 'sessionReport',
        tags,
        summary: 'One self-contained HTML page of a session\'s epoch',
        description:
          'The metrics table, and when the session keeps its rows the ROC and precision-recall curves, the confusion matrix, the threshold trade-off (objective f1_score unless `objective`) and the reliability diagrams before and after calibration (temperature for multiclass, sigmoid otherwise, unless `method`); each number as the session\'s JSON endpoints answer it. No external assets; printable.',
        params: SessionParams,
        querystring: SessionReportQuery,
        response: { ...okResponse('The report page.', { 'text/html': z.string().describe('One HTML document, styles and drawings inline.') }), ...problemResponses, 404: missing },
      },
    },
    async (request, reply) => {
      if (request.accepts().type(['text/html']) === false) throw notAcceptable('this operation answers text/html');
      const { record, config: session, state } = await sessions.load(request.params.id, owner(request));
      const head = { id: record.id, task: session.task };
      const options = request.query;
      const text =
        (state.rows <= INLINE_SESSION_ROWS ? unlessTooCostly(() => sessionReportText(session, state, head, expiresAt(record), options)) : undefined) ??
        (await offloadText(reply, 'sessionReport', state.chunks, (chunks): SessionReportTask => ({ config: session, counts: state.counts, chunks, rows: state.rows, batches: state.batches, head, expiresAt: expiresAt(record), options })));
      return reply.type('text/html; charset=utf-8').serializer((t: string) => t).send(text);
    },
  );

  app.post(
    '/v1/sessions/:id/reset',
    {
      schema: {
        operationId: 'resetSession',
        tags,
        summary: 'Empty a session\'s state, keeping its configuration (a new epoch)',
        description: 'Every count and row is dropped; the id, configuration and TTL stay. Call it between epochs.',
        params: SessionParams,
        response: { 204: z.null().describe('Emptied.'), ...problemResponses, 404: missing },
      },
    },
    async (request, reply) => {
      await sessions.reset(request.params.id, owner(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/sessions/:id/merge',
    {
      bodyLimit: CONFIG_BODY_LIMIT,
      schema: {
        operationId: 'mergeSessions',
        tags,
        summary: 'Fold other sessions of the same configuration into this one',
        description: 'One session per data-parallel rank, merged at the end of the epoch (torchmetrics\' merge_state). The sources are left as they were.',
        params: SessionParams,
        body: SessionMergeRequest,
        response: {
          ...okResponse('The merged totals.', { 'application/json': z.object({ rows: z.number().int(), batches: z.number().int() }) }),
          ...problemResponses,
          404: missing,
          409: conflicting,
        },
      },
    },
    async (request) => sessions.merge(request.params.id, owner(request), request.body.from),
  );

  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        operationId: 'deleteSession',
        tags,
        summary: 'Delete a session',
        description: 'The session and everything it accumulated are gone; its id answers 404 from then on.',
        params: SessionParams,
        response: { 204: z.null().describe('Deleted.'), ...problemResponses, 404: missing },
      },
    },
    async (request, reply) => {
      await sessions.delete(request.params.id, owner(request));
      return reply.code(204).send(null);
    },
  );
};

export default sessionRoutes;
