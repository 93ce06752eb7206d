import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ARROW_MEDIA_TYPE, arrowQuery, arrowStream } from '../../schemas/arrow.js';
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
        consumes: ['application/json', ARROW_MEDIA_TYPE],
        querystring: arrowQuery(ScoreRequest),
        response: {
          200: {
            description: 'Loss and metrics. With Accept: application/vnd.apache.arrow.stream, an Arrow stream.',
            content: {
              'application/json': { schema: ScoreResponse },
              [ARROW_MEDIA_TYPE]: { schema: arrowStream('The loss `grad` / `losses` as columns, everything else as JSON in the schema metadata `response`.') },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'score'),
  );
};

export default scoreRoutes;
