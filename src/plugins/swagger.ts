import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { finishDocument, type OpenApiDocument } from './openapi-document.js';

export const openapiInfo = {
  title: 'Focal loss & AUROC scoring service',
  version: '0.1.0',
  license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
  contact: { name: 'Scoring service team' },
  description:
    'Scores a batch for class-imbalanced training: focal loss (Lin et al.) with its gradient, and ranking metrics that stay honest under imbalance (AUROC, ROC / PR curves, average precision). Semantics follow PyTorch, torchvision, scikit-learn and torchmetrics; parameter names follow those libraries. Errors are RFC 9457 application/problem+json.',
};

// Tensor fields are `z.custom` checks with their JSON schema given in `meta`.
const zodToJsonConfig = { unrepresentable: 'any' } as const;
const transformObject = createJsonSchemaTransformObject({ zodToJsonConfig });

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (never written by hand), at
 * `/openapi.json`, and Swagger UI at `/docs`. Registered before the routes so none is missed.
 */
export default fp(
  async function swaggerPlugin(app) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: openapiInfo,
        // Relative: Swagger UI and clients call the instance (or balancer) that served the document.
        servers: [{ url: '/', description: 'the service that serves this document (npm start: http://localhost:8080)' }],
        tags: [
          { name: 'loss', description: 'Focal loss and its gradient' },
          { name: 'metrics', description: 'Ranking metrics' },
          { name: 'arrow', description: 'The same operations for batches sent as Arrow IPC streams' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
      transform: createJsonSchemaTransform({ zodToJsonConfig }),
      transformObject: (document) => finishDocument(transformObject(document) as OpenApiDocument) as ReturnType<typeof transformObject>,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: false, displayRequestDuration: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
