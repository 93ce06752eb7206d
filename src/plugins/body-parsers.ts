import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { unsupportedMediaType } from '../errors.js';
import { ARROW_STREAM } from '../wire/arrow.js';
import { RawBody, decodeJsonBody } from '../wire/json-body.js';

/**
 * A body as bytes a worker decodes: raw bodies as they are, a body parsed here by the bytes it
 * was parsed from (kept as `request.rawJson`), for a computation priced too costly to run here.
 */
export function rawInputOf<I extends { kind: 'json' | 'arrow'; bytes: Uint8Array }>(request: FastifyRequest, input: I | { kind: 'validated'; body: unknown }): I | { kind: 'json'; bytes: Uint8Array } {
  return input.kind === 'validated' ? { kind: 'json', bytes: request.rawJson ?? Buffer.from(JSON.stringify(input.body)) } : input;
}

/** Routes that decode raw bodies where they compute say so in their config (`rawBodies: true`). */
const takesRawBodies = (request: FastifyRequest): boolean => (request.routeOptions.config as { rawBodies?: boolean } | undefined)?.rawBodies === true;

declare module 'fastify' {
  interface FastifyRequest {
    /** The bytes of a JSON body parsed on the main thread (small ones), for a computation sent to the pool after all. */
    rawJson: Buffer | undefined;
  }
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
    // A small body parsed here keeps its bytes too: priced work too large for the event loop
    // sends the same bytes to the worker pool (see src/batch/limits.ts).
    app.decorateRequest('rawJson', undefined);
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (request, body: Buffer, done) => {
      try {
        // Only routes that decode raw bodies themselves get them; any other parses here, within its bodyLimit.
        if (body.length > config.INLINE_MAX_BYTES && takesRawBodies(request)) return done(null, new RawBody('json', body));
        request.rawJson = body;
        done(null, decodeJsonBody(body));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (request, body: Buffer, done) => {
      if (!takesRawBodies(request)) return done(unsupportedMediaType('this operation takes application/json bodies only'), undefined);
      done(null, new RawBody('arrow', body));
    });
  },
  { name: 'body-parsers' },
);
