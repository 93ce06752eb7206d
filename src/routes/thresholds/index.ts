import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { ThresholdsRequest } from '../../schemas/thresholds.js';
import { ThresholdsResponse } from '../../metrics/thresholds.js';

const thresholdRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/thresholds',
    {
      // Raw bodies (large JSON) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'thresholds',
        tags: ['metrics'],
        summary: 'Tune the decision threshold to an objective',
        description: [
          'The threshold (decisions `score >= threshold`) that maximises `objective` (a threshold metric of the catalogue, or a',
          'gain per kind of decision), among the distinct scores (exact), n evenly spaced thresholds or a list, optionally subject',
          'to a minimum precision, recall, specificity or negative predictive value; the lowest among equal best. As',
          'scikit-learn 1.9 `metric_at_thresholds` / `TunedThresholdClassifierCV` on frozen scores. Binary; multilabel per label.',
        ].join(' '),
        body: ThresholdsRequest,
        response: { ...okResponse('The tuned threshold, its objective and confusion counts (per label for multilabel).', { 'application/json': ThresholdsResponse }), ...problemResponses },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'thresholds'),
  );
};

export default thresholdRoutes;
