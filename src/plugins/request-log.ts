import fp from 'fastify-plugin';
import { RawBody } from '../wire/json-body.js';
import { shapeOf } from '../batch/tensor.js';

/**
 * One log line per request (id, route, status, duration, batch shape); never the body. The
 * shape is what the scoring task decoded (inline or in a worker), so batches sent raw to the
 * pool and Arrow streams report theirs too, with their format and size.
 */
export default fp(
  async function requestLogPlugin(app) {
    app.addHook('onResponse', (request, reply, done) => {
      // pino's level check: skip building the line when it would be dropped anyway.
      const log = request.log as unknown as { isLevelEnabled?: (level: string) => boolean };
      if (log.isLevelEnabled && !log.isLevelEnabled('info')) return done();
      const body = request.body;
      // A body parsed here but refused before it was computed still has its shape read.
      const shape = request.batchShape ?? (body && typeof body === 'object' && 'preds' in body ? shapeOf((body as { preds: unknown }).preds) : undefined);
      const raw = body instanceof RawBody ? { format: body.format, bytes: body.size } : {};
      const batch = shape || body instanceof RawBody ? { ...raw, ...(shape ? { preds: shape } : {}) } : undefined;
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
          ...(batch ? { batch } : {}),
        },
        'request completed',
      );
      done();
    });
  },
  { name: 'request-log' },
);
