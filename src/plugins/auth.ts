import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { unauthorized } from '../errors.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 9110), or null. */
export function bearerToken(header: string): string | null {
  const match = /^bearer\s+(\S.*)$/i.exec(header.trim());
  return match ? match[1].trim() : null;
}

/** Operator endpoints: open unless DOCS_REQUIRE_AUTH, like health and readiness. */
const isOperatorRoute = (url: string) => url.startsWith('/docs') || url.startsWith('/openapi.json') || url.startsWith('/metrics');

/**
 * Bearer tokens from API_TOKENS. Each presented token is hashed and compared with every
 * configured one in constant time (equal-length digests, no early exit), so response timing says
 * nothing about how much of a token was right. Tokens are never logged.
 */
export default fp(
  async function authPlugin(app, opts: { config: Config }) {
    const tokens = opts.config.API_TOKENS.map(digest);
    if (tokens.length === 0) return;
    const docsNeedAuth = opts.config.DOCS_REQUIRE_AUTH;
    app.addHook('onRequest', (request, _reply, done) => {
      const url = request.url;
      const guarded = url.startsWith('/v1/') || (docsNeedAuth && isOperatorRoute(url));
      if (!guarded) return done();
      const header = request.headers.authorization ?? '';
      const token = bearerToken(header);
      const presented = token === null ? null : digest(token);
      let match = false;
      for (const token of tokens) match = (presented !== null && timingSafeEqual(token, presented)) || match;
      if (match) return done();
      done(
        unauthorized(presented ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>', undefined, {
          'WWW-Authenticate': `Bearer realm="focal-auroc"${presented ? ', error="invalid_token"' : ''}`,
        }),
      );
    });
  },
  { name: 'auth' },
);
