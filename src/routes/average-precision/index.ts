import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AveragePrecisionRequest } from '../../schemas/average-precision.js';
import { AveragePrecisionResponse } from '../../metrics/average-precision.js';
import { okResponse, problemResponses } from '../../schemas/common.js';

const averagePrecisionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/average-precision',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'averagePrecision',
        tags: ['metrics'],
        summary: 'Average precision (area under the precision-recall curve, step-wise)',
        description: [
          'As scikit-learn `average_precision_score`: sum over thresholds of (R_k - R_{k-1}) P_k, no interpolation.',
          'Binary, multiclass one-vs-rest, multilabel; macro / weighted / micro / none. A class without positives is',
          '`null`, named in `warnings`, and left out of averages. Binned `thresholds` as torchmetrics.',
        ].join(' '),
        body: AveragePrecisionRequest,
        response: {
          ...okResponse('The average precision (per class for multiclass and multilabel), with its interval when asked.', { 'application/json': AveragePrecisionResponse }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'averagePrecision'),
  );
};

export default averagePrecisionRoutes;
