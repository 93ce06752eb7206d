import fp from 'fastify-plugin';
import { RawBody } from '../scoring/raw-body.js';
import { TypedTensor } from '../scoring/tensor.js';

/** The outer sizes of a nested array: enough to tell a batch's shape without walking it. */
function shapeOf(value: unknown): number[] | undefined {
  if (value instanceof TypedTensor) return value.shape;
  const shape: number[] = [];
  let node = value;
  while (Array.isArray(node) && shape.length < 4) {
    shape.push(node.length);
    node = node[0];
  }
  return shape.length > 0 ? shape : undefined;
}

/** One log line per request (id, route, status, duration, batch shape); never the body. */
export default fp(
  async function requestLogPlugin(app) {
    app.addHook('onResponse', (request, reply, done) => {
      // pino's level check: skip building the line when it would be dropped anyway.
      const log = request.log as unknown as { isLevelEnabled?: (level: string) => boolean };
      if (log.isLevelEnabled && !log.isLevelEnabled('info')) return done();
      const body = request.body;
      const batch =
        body instanceof RawBody
          ? { format: body.format, bytes: body.size }
          : body && typeof body === 'object' && 'preds' in body
            ? { preds: shapeOf((body as { preds: unknown }).preds) }
            : undefined;
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
