import fp from 'fastify-plugin';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { overloaded, shuttingDown, storeUnavailable } from '../errors.js';
import type { SessionStore } from '../sessions/store.js';
import { okResponse, problemResponses } from '../schemas/common.js';

const Health = z.object({ status: z.enum(['ok', 'ready']) }).meta({ id: 'Health', description: 'The process is alive (ok) or ready to take batches (ready).' });

/**
 * Liveness and readiness. `/healthz` answers while the process serves; `/readyz` only while the
 * pool is up, not saturated and not shutting down, and the store can write (`store.ping`). Once shutdown starts, new requests get 503
 * while the ones already accepted finish.
 */
export default fp(
  async function healthPlugin(app, { store }: { store: SessionStore }) {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    // Responses finished during shutdown close their connection, so keep-alive clients let the
    // server finish closing instead of holding it open until their idle timeout.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('Connection', 'close');
      done(null, payload);
    });
    app.addHook('onRequest', (request, _reply, done) => {
      if (closing && !request.url.startsWith('/healthz')) {
        done(shuttingDown('the service is shutting down; retry on another instance', undefined, { 'Retry-After': '1', Connection: 'close' }));
      } else done();
    });

    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.get(
      '/healthz',
      {
        schema: {
          operationId: 'healthz',
          tags: ['operations'],
          summary: 'Liveness',
          description: '200 while the process serves requests (also while it drains on shutdown).',
          response: okResponse('The process is alive.', { 'application/json': Health }),
        },
        logLevel: 'warn',
      },
      async () => ({ status: 'ok' as const }),
    );
    routes.get(
      '/readyz',
      {
        schema: {
          operationId: 'readyz',
          tags: ['operations'],
          summary: 'Readiness',
          description: '200 once the worker pool is up and the session store takes a write; 503 while shutting down, while the work queue is full, or while the store cannot take a write (unreachable, its file locked by another process, the disk full, a full Redis or a read-only replica).',
          response: { ...okResponse('The service takes batches.', { 'application/json': Health }), 503: problemResponses[503] },
        },
        logLevel: 'warn',
      },
      async () => {
        if (app.scoring.saturated) throw overloaded('the work queue is full', undefined, { 'Retry-After': '1' });
        try {
          await store.ping();
        } catch (error) {
          throw storeUnavailable(`the session store (${store.description}) cannot take a write: ${(error as Error).message}`, undefined, { 'Retry-After': '1' });
        }
        return { status: 'ready' as const };
      },
    );
  },
  { name: 'health', dependencies: ['scoring'] },
);
