import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ARROW_MEDIA_TYPE, arrowQuery, arrowStream } from '../../schemas/arrow.js';
import { problemResponses } from '../../schemas/common.js';
import { FocalLossRequest, FocalLossResponse } from '../../schemas/focal-loss.js';

const focalLossRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/focal-loss',
    {
      schema: {
        tags: ['loss'],
        summary: 'Focal loss and its gradient for one batch',
        description: [
          'Multiclass softmax focal loss as the classic PyTorch `focal_loss` module: FL = -alpha_y (1 - p_y)^gamma log p_y, p = softmax(logits);',
          'a scalar alpha a gives class weights [a, 1-a, 1-a, ...] (class 0 is background).',
          'Binary and multilabel sigmoid focal loss as `torchvision.ops.sigmoid_focal_loss`.',
          '`mean` divides by the number of contributing elements. `grad` is d(loss)/d(preds), float64 throughout.',
        ].join(' '),
        body: FocalLossRequest,
        consumes: ['application/json', ARROW_MEDIA_TYPE],
        querystring: arrowQuery(FocalLossRequest),
        response: {
          200: {
            description: 'The loss (and gradient). With Accept: application/vnd.apache.arrow.stream, an Arrow stream.',
            content: {
              'application/json': { schema: FocalLossResponse },
              [ARROW_MEDIA_TYPE]: { schema: arrowStream('Columns `grad` and/or `losses` over the first dimension (inner dimensions as FixedSizeList), the other fields as JSON in the schema metadata `response`, shapes in `shape:<column>`.') },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'focalLoss'),
  );
};

export default focalLossRoutes;
