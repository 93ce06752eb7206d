import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { FastifyRequest } from 'fastify';
import { payloadTooLarge, unsupportedMediaType } from '../errors.js';
import { ARROW_STREAM } from '../wire/arrow.js';
import { RawBody, decodeJsonBody } from '../wire/json-body.js';

/** The largest body a route without tensors (session creation, merge) parses on the main thread. */
export const SMALL_JSON_MAX_BYTES = 1024 * 1024;

/**
 * A `preValidation` hook for routes whose body carries no tensors, so no worker decodes it: a
 * body kept raw (JSON above INLINE_MAX_BYTES) is parsed here, and then validated like a small
 * one. Without it such a body reached the handler as bytes, a 500.
 *
 * @throws {ProblemError} 415 for an Arrow body, 413 above {@link SMALL_JSON_MAX_BYTES}, and
 *   what {@link decodeJsonBody} throws
 */
export async function parseRawJsonBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!(body instanceof RawBody)) return;
  if (body.format === 'arrow') throw unsupportedMediaType(`${request.url} takes a JSON body (application/json), not an Arrow stream`);
  if (body.size > SMALL_JSON_MAX_BYTES) throw payloadTooLarge(`this body is ${body.size} bytes; ${request.routeOptions.url ?? request.url} takes at most ${SMALL_JSON_MAX_BYTES} (it carries no tensors)`);
  request.body = decodeJsonBody(body.bytes);
}

/**
 * The two body formats. JSON up to INLINE_MAX_BYTES is parsed here (cheap); larger JSON and
 * every Arrow stream stay raw bytes, decoded where they are computed, so a 10 MB upload never
 * blocks the event loop. The validator skips raw bodies for the same reason; the decoder
 * validates them with the route's own schema. Any other media type is a 415, and so is a
 * compressed body (Content-Encoding other than identity).
 */
export default fp(
  async function bodyParsersPlugin(app, opts: { config: Config }) {
    const { config } = opts;
    // Compressed bodies are refused by name rather than misread as JSON or Arrow bytes: the
    // bodies are numbers, which compress poorly, and decoding them would cost the event loop.
    app.addHook('onRequest', async (request) => {
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        throw unsupportedMediaType(`Content-Encoding ${encoding} is not accepted: send the body uncompressed (Content-Encoding identity, or none)`);
      }
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (_request, body: Buffer, done) => {
      try {
        done(null, body.length > config.INLINE_MAX_BYTES ? new RawBody('json', body) : decodeJsonBody(body));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (_request, body: Buffer, done) => {
      done(null, new RawBody('arrow', body));
    });
  },
  { name: 'body-parsers' },
);
