import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const openapiInfo = {
  title: 'Focal loss & AUROC scoring service',
  version: '0.1.0',
  description:
    'Scores a batch for class-imbalanced training: focal loss (Lin et al.) with its gradient, and ranking metrics that stay honest under imbalance (AUROC, ROC / PR curves, average precision). Semantics follow PyTorch, torchvision, scikit-learn and torchmetrics; parameter names follow those libraries. Errors are RFC 9457 application/problem+json.',
};

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
        tags: [
          { name: 'loss', description: 'Focal loss and its gradient' },
          { name: 'metrics', description: 'Ranking metrics' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: false, displayRequestDuration: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
