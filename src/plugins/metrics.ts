import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProblemError } from '../errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { rejected: Counter<'reason'> };
  }
}

/**
 * GET /metrics in the Prometheus text format: requests and latency by route and status, the
 * worker pool's queue depth and utilization, requests turned away by reason, and Node's own
 * process metrics (event-loop delay among them). One registry per app, so tests do not collide.
 */
export default fp(
  async function metricsPlugin(app) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    const requests = new Counter({ name: 'http_requests_total', help: 'Requests answered, by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [registry] });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to response, by route and status.',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    const rejected = new Counter({ name: 'http_requests_rejected_total', help: 'Requests turned away or given up (ERR_CLIENT_CLOSED: the client left, its batch was cancelled), by reason.', labelNames: ['reason'], registers: [registry] });
    new Gauge({
      name: 'worker_pool_queue_size',
      help: 'Batches waiting for a worker thread.',
      registers: [registry],
      collect() {
        this.set(app.scoring.queueSize);
      },
    });
    new Gauge({
      name: 'worker_pool_utilization',
      help: 'Share of the worker threads’ time spent computing (0 to 1).',
      registers: [registry],
      collect() {
        this.set(app.scoring.utilization);
      },
    });
    app.decorate('metrics', { rejected });

    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = String(reply.statusCode);
      requests.inc({ route, method: request.method, status });
      duration.observe({ route, status }, reply.elapsedTime / 1000);
      done();
    });
    app.addHook('onError', (_request, _reply, error, done) => {
      if (error instanceof ProblemError && [503, 499, 413, 401].includes(error.status)) rejected.inc({ reason: error.problem.code });
      done();
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  },
  { name: 'metrics', dependencies: ['scoring'] },
);
