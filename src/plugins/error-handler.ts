import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  ProblemError,
  fromZodIssues,
  internalError,
  malformedBody,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
  unsupportedMediaType,
  invalidRequest,
} from '../errors.js';

/** The media types an operation takes, as its schema declares them (JSON when it does not). */
function mediaTypesOf(request: FastifyRequest): string[] {
  const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes;
  return consumes && consumes.length > 0 ? consumes : ['application/json'];
}

/** Fastify's own error codes, as the problems a client should see. */
function fromFastifyError(error: FastifyError, request: FastifyRequest): ProblemError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(`the body is larger than BODY_LIMIT_BYTES (${request.routeOptions.bodyLimit} bytes): split the batch`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const sent = request.headers['content-type'] ?? 'none';
      return unsupportedMediaType(`Content-Type ${sent} is not accepted: this operation takes ${mediaTypesOf(request).join(' or ')}`);
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.statusCode === 415 ? unsupportedMediaType(error.message) : malformedBody(error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return malformedBody(error.message);
    default:
      break;
  }
  // A body that is not JSON reaches here as a parser's SyntaxError; one thrown while computing is
  // a server bug (a 500, logged), not the client's malformed body.
  if (error instanceof SyntaxError && error.stack?.includes('Parser')) return malformedBody(error.message);
  const status = error.statusCode ?? 500;
  if (status === 415) return unsupportedMediaType(error.message);
  if (status === 413) return payloadTooLarge(error.message);
  if (status >= 400 && status < 500) return invalidRequest(error.message);
  return null;
}

export function sendProblem(reply: FastifyReply, problem: ProblemError) {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(problem.problem);
}

/**
 * The one place errors become responses: RFC 9457 problem+json, 4xx naming the field for bad
 * input, and a bare 500 (logged with its stack, shown without internals) for our own bugs.
 */
export default fp(
  async function errorHandlerPlugin(app) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      // A request no route takes fails first on its body (parsed before the not-found handler
      // runs): what it needs to hear is that the path or the method is wrong, not the body.
      if (request.is404) return unrouted(request, reply);
      let problem: ProblemError | null;
      if (error instanceof ProblemError) problem = error;
      else if (hasZodFastifySchemaValidationErrors(error)) {
        // The zod issue as fastify-type-provider-zod carries it: code as keyword, the rest in params.
        const issues = error.validation.map((issue) => ({
          path: issue.instancePath.split('/').filter(Boolean),
          message: issue.message ?? 'invalid',
          code: issue.keyword,
          ...(issue.params as { keys?: string[]; errors?: [] }),
        }));
        problem = fromZodIssues(issues);
      } else problem = fromFastifyError(error, request);

      if (problem === null || problem.status >= 500) {
        request.log.error({ err: error }, 'request failed');
      } else if (problem.status === 499) {
        // No response, so no request-completed line: this one says what happened.
        request.log.info({ route: request.routeOptions.url }, 'client closed the connection; its batch was cancelled');
      }
      return sendProblem(reply, problem ?? internalError('an unexpected error occurred; it has been logged'));
    });

    // Every route's pattern and methods, so a path that exists answers 405 with `Allow` to a
    // method it lacks, parametric paths (`/v1/sessions/{id}`) included.
    const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
    app.addHook('onRoute', (route) => {
      const pattern = new RegExp(`^${route.url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`);
      routes.push({ pattern, methods: ([] as string[]).concat(route.method) });
    });

    /** 405 with `Allow` when the path exists with other methods, else 404. */
    const unrouted = (request: FastifyRequest, reply: FastifyReply) => {
      const url = request.url.split('?')[0];
      const methods = new Set(routes.filter((route) => route.pattern.test(url)).flatMap((route) => route.methods));
      const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => methods.has(method));
      if (allowed.length === 0) return sendProblem(reply, notFound(`no route ${request.method} ${request.url}; see /docs`));
      reply.header('Allow', allowed.join(', '));
      return sendProblem(reply, methodNotAllowed(`${request.method} is not allowed on ${url}; allowed: ${allowed.join(', ')}`));
    };
    app.setNotFoundHandler(unrouted);
  },
  { name: 'error-handler' },
);
