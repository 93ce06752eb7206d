import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { FocalLossRequest, FocalLossResponse } from '../../schemas/focal-loss.js';

export const focalLossDescription = [
  'Multiclass softmax focal loss as the classic PyTorch `focal_loss` module: FL = -alpha_y (1 - p_y)^gamma log p_y, p = softmax(logits);',
  'a scalar alpha a gives class weights [a, 1-a, 1-a, ...] (class 0 is background).',
  'Binary and multilabel sigmoid focal loss as `torchvision.ops.sigmoid_focal_loss`.',
  '`mean` divides by the number of contributing elements. `grad` (and `hess`) are the derivatives of the loss as reduced, float64 throughout.',
].join(' ');

const focalLossRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/focal-loss',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'focalLoss',
        tags: ['loss'],
        summary: 'Focal loss and its gradient for one batch',
        description: `${focalLossDescription} Arrow bodies: POST /v1/arrow/focal-loss.`,
        body: FocalLossRequest,
        response: {
          ...okResponse('The loss (per element for reduction none), the class weights used, and the gradient and hessian when asked.', {
            'application/json': FocalLossResponse,
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'focalLoss'),
  );
};

export default focalLossRoutes;
