import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import errorHandler from './plugins/error-handler.js';
import health from './plugins/health.js';
import metrics from './plugins/metrics.js';
import auth from './plugins/auth.js';
import bodyParsers from './plugins/body-parsers.js';
import requestLog from './plugins/request-log.js';
import scoring from './plugins/scoring.js';
import swagger from './plugins/swagger.js';
import accepts from '@fastify/accepts';
import arrowRoutes from './routes/arrow/index.js';
import aurocRoutes from './routes/auroc/index.js';
import averagePrecisionRoutes from './routes/average-precision/index.js';
import curveRoutes from './routes/curves/index.js';
import calibrationRoutes from './routes/calibration/index.js';
import metricsRoutes from './routes/metrics/index.js';
import scoreRoutes from './routes/score/index.js';
import thresholdRoutes from './routes/thresholds/index.js';
import sessionRoutes from './routes/sessions/index.js';
import { openStore } from './sessions/open-store.js';
import focalLossRoutes from './routes/focal-loss/index.js';
import { stringifyResponse } from './wire/json-response.js';
import { RawBody } from './wire/json-body.js';

export interface BuildOptions {
  /** Pino options; tests pass `false` to keep output clean. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the application without listening: plugins, then the documented routes. Tests drive it
 * with `app.inject`; `server.ts` adds the socket and the signals.
 */
export async function buildApp(config: Config, options: BuildOptions = {}) {
  const app = Fastify({
    // Bodies are never logged; the redaction guards the tokens if a header is ever logged.
    logger: options.logger ?? { level: config.LOG_LEVEL, redact: ['req.headers.authorization'] },
    bodyLimit: config.BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    // A client that holds a socket with a partial request (headers dribbled, a body cut short) is
    // answered 408 and closed; see the variables in src/config.ts.
    requestTimeout: config.BODY_TIMEOUT_MS,
    connectionTimeout: config.IDLE_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // A connection answers this many requests, then closes (pipelined ones past it get 503): 2,000
    // small requests pipelined in one write held the event loop 0.7 s.
    maxRequestsPerSocket: config.MAX_REQUESTS_PER_SOCKET,
    http: {
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.BODY_TIMEOUT_MS),
      // Node enforces both timeouts by a sweep at this interval (30 s by default), so a timeout
      // is late by up to one interval: a quarter of the shorter one keeps that small.
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(Math.min(config.HEADERS_TIMEOUT_MS, config.BODY_TIMEOUT_MS) / 4))),
    },
    pluginTimeout: config.PLUGIN_TIMEOUT_MS,
    ajv: undefined,
  }).withTypeProvider<ZodTypeProvider>();

  // Raw bodies are validated by the worker that parses them, with the same schema.
  app.setValidatorCompiler((route) => {
    const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
    return (data: unknown) => (data instanceof RawBody ? { value: data } : validate(data));
  });
  // Responses are written by stringifyResponse (JSON.stringify's text, tensors written in
  // WebAssembly), after a check against their schema where asked (the tests); in production the
  // kernels guarantee finite numbers and the check's full walk per response is saved.
  if (config.RESPONSE_VALIDATION) {
    app.setSerializerCompiler((route) => {
      const check = serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);
      return (data) => {
        check(data);
        return stringifyResponse(data);
      };
    });
  } else app.setSerializerCompiler(() => stringifyResponse);

  await app.register(errorHandler);
  await app.register(requestLog);
  await app.register(accepts);
  await app.register(bodyParsers, { config });
  await app.register(scoring, { config });
  // Hooks before the routes they guard and count.
  await app.register(metrics);
  await app.register(auth, { config });
  await app.register(swagger);
  // The session store, opened once: sessions use it, readiness pings it, closing closes it.
  const store = await openStore(config.STORE_URL, { sqliteMaxBytes: config.SQLITE_MAX_MB * 1024 * 1024 }, { durability: config.REDIS_DURABILITY, log: app.log });
  app.addHook('onClose', () => store.close());
  await app.register(health, { store });
  await app.register(focalLossRoutes);
  await app.register(aurocRoutes);
  await app.register(averagePrecisionRoutes);
  await app.register(metricsRoutes);
  await app.register(curveRoutes);
  await app.register(calibrationRoutes);
  await app.register(scoreRoutes);
  await app.register(thresholdRoutes);
  await app.register(arrowRoutes);
  await app.register(sessionRoutes, { config, store });
  await app.ready();
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
