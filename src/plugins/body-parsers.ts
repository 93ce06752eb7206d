import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { unsupportedMediaType } from '../errors.js';
import { ARROW_STREAM } from '../wire/arrow.js';
import { RawBody, decodeJsonBody } from '../wire/json-body.js';

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
