import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ARROW_MEDIA_TYPE, ARROW_REQUEST_DESCRIPTION } from '../schemas/arrow.js';

export const openapiInfo = {
  title: 'Focal loss & AUROC scoring service',
  version: '0.1.0',
  description:
    'Scores a batch for class-imbalanced training: focal loss (Lin et al.) with its gradient, and ranking metrics that stay honest under imbalance (AUROC, ROC / PR curves, average precision). Semantics follow PyTorch, torchvision, scikit-learn and torchmetrics; parameter names follow those libraries. Errors are RFC 9457 application/problem+json.',
};

type OpenApiDocument = { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };

/**
 * Routes that consume Arrow declare it with `consumes`; @fastify/swagger then repeats the JSON
 * schema under the Arrow media type, which is replaced here by what the bytes really are.
 */
// Tensor fields are `z.custom` checks with their JSON schema given in `meta`.
const zodToJsonConfig = { unrepresentable: 'any' } as const;
const transformObject = createJsonSchemaTransformObject({ zodToJsonConfig });

function describeArrowBodies(document: OpenApiDocument): ReturnType<typeof transformObject> {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const content = operation.requestBody?.content;
      // A new object: the JSON media type shares the one swagger made (and its examples).
      if (content?.[ARROW_MEDIA_TYPE]) content[ARROW_MEDIA_TYPE] = { schema: { type: 'string', format: 'binary', description: ARROW_REQUEST_DESCRIPTION } };
    }
  }
  return document as ReturnType<typeof transformObject>;
}

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
      transform: createJsonSchemaTransform({ zodToJsonConfig }),
      transformObject: (document) => describeArrowBodies(transformObject(document) as OpenApiDocument),
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: false, displayRequestDuration: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
