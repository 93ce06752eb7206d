import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../../schemas/common.js';
import { ScoreRequest, ScoreResponse } from '../../schemas/score.js';

const scoreRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/score',
    {
      schema: {
        tags: ['loss', 'metrics'],
        summary: 'One call per batch: focal loss and metrics together',
        description: [
          'Takes the batch once, with `loss` (the /v1/focal-loss options, or null) and `metrics` (names, or objects with',
          'a name and options). Each part of the answer equals what its own endpoint returns for the same batch; the',
          'metrics share one softmax and one sort per class.',
        ].join(' '),
        body: ScoreRequest,
        response: { 200: ScoreResponse, ...problemResponses },
      },
    },
    async (request, reply) => app.scoring.respond(reply, 'score', request.body),
  );
};

export default scoreRoutes;
