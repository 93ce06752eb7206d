import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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
        response: { 200: FocalLossResponse, ...problemResponses },
      },
    },
    async (request, reply) => app.scoring.respond(reply, 'focalLoss', request.body),
  );
};

export default focalLossRoutes;
