import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
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
          'With `Accept: image/svg+xml`, the objective against the threshold, one line per label, each tuned threshold marked.',
        ].join(' '),
        body: ThresholdsRequest,
        response: {
          ...okResponse('The tuned threshold, its objective and confusion counts (per label for multilabel); or, as SVG, the objective by threshold.', {
            'application/json': ThresholdsResponse,
            'image/svg+xml': z
              .string()
              .describe(
                'The objective against the threshold, one polyline per label (broken where the objective is undefined), each tuned threshold marked by a dot carrying data-label, data-threshold and data-objective.',
              ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'thresholds'),
  );
};

export default thresholdRoutes;
