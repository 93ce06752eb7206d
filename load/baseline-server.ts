/**
 * The baseline of `npm run load`: a bare Fastify app with Fastify's own JSON parser that parses
 * the body and answers a constant, and a /healthz. Anything our service does beyond that is the
 * cost the ratios show.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 256 * 1024 * 1024 });
app.post('/v1/focal-loss', async () => ({ loss: 0 }));
app.post('/v1/auroc', async () => ({ auroc: 0.5 }));
app.post('/v1/score', async () => ({ loss: null, metrics: {} }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
