import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { ScoreRequest, ScoreResponse } from '../../schemas/score.js';

export const scoreDescription = [
  'Takes the batch once, with `loss` (the /v1/focal-loss options, or null) and `metrics` (as in /v1/metrics: names,',
  'or objects with a name and options). Each part of the answer equals what its own endpoint returns for the same',
  'batch and the same `input`, which here defaults to `logits` (the loss\'s default; /v1/metrics defaults to `auto`)',
  'and applies to the metrics too. Metrics of one state share it.',
].join(' ');

const scoreRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/score',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'score',
        tags: ['loss', 'metrics'],
        summary: 'One call per batch: focal loss and metrics together',
        description: `${scoreDescription} Arrow bodies: POST /v1/arrow/score.`,
        body: ScoreRequest,
        response: {
          ...okResponse('The focal loss (null when not asked) and each metric asked, under its name.', { 'application/json': ScoreResponse }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'score'),
  );
};

export default scoreRoutes;
