import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { RawJsonBody, decodeJsonBody } from '../scoring/json-body.js';

/**
 * Replaces Fastify's JSON parser: a body up to INLINE_MAX_BYTES is parsed here (cheap), a larger
 * one is kept as raw bytes for a worker to parse, so a 10 MB upload never blocks the event loop.
 * The validator skips raw bodies for the same reason; the worker validates them with the
 * route's own schema.
 */
export default fp(
  async function jsonBodyPlugin(app, opts: { config: Config }) {
    const { config } = opts;
    // Only the media types we document are accepted; anything else is a 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES },
      (_request, body: Buffer, done) => {
        try {
          done(null, body.length > config.INLINE_MAX_BYTES ? new RawJsonBody(body) : decodeJsonBody(body));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
  },
  { name: 'json-body' },
);
