import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ARROW_MEDIA_TYPE, ARROW_REQUEST_DESCRIPTION, arrowBody, arrowQuery, arrowStream } from '../../schemas/arrow.js';
import { AurocRequest } from '../../schemas/auroc.js';
import { AurocResponse } from '../../metrics/auroc.js';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { DetCurveRequest } from '../../schemas/curves.js';
import { DetCurveResponse } from '../../metrics/curves.js';
import { FocalLossRequest, FocalLossResponse } from '../../schemas/focal-loss.js';
import { MetricsRequest, MetricsResponse } from '../../schemas/metrics.js';
import { ScoreRequest, ScoreResponse } from '../../schemas/score.js';
import type { ScoringTaskName } from '../../endpoints/tasks.js';
import { focalLossDescription } from '../focal-loss/index.js';
import { metricsDescription } from '../metrics/index.js';
import { scoreDescription } from '../score/index.js';

/**
 * The operations that take Arrow IPC streams: the columns in the body, the options in the query
 * string, typed as the server reads them. Their own paths keep the JSON operations free of
 * query parameters that JSON requests must not send. (The JSON paths still read an Arrow body,
 * for clients written before these existed.)
 */
const arrowOperations: Array<{
  path: string;
  task: ScoringTaskName;
  summary: string;
  description: string;
  request: z.ZodObject;
  response: z.ZodType;
  arrowAnswer?: string;
}> = [
  {
    path: '/v1/arrow/focal-loss',
    task: 'focalLoss',
    summary: 'Focal loss and its gradient, for a batch sent as Arrow',
    description: focalLossDescription,
    request: FocalLossRequest,
    response: FocalLossResponse,
    arrowAnswer:
      'Columns `grad`, `hess` and/or `losses` over the first dimension (inner dimensions as FixedSizeList), the other fields as JSON in the schema metadata `response`, shapes in `shape:<column>`.',
  },
  {
    path: '/v1/arrow/auroc',
    task: 'auroc',
    summary: 'Area under the ROC curve, for a batch sent as Arrow',
    description: 'AUROC as /v1/auroc, of the Arrow columns `preds` and `labels`.',
    request: AurocRequest,
    response: AurocResponse,
  },
  {
    path: '/v1/arrow/det-curve',
    task: 'detCurve',
    summary: 'Detection error tradeoff (DET) curve, for a batch sent as Arrow',
    description: 'The DET curve as /v1/det-curve (binary; scikit-learn `det_curve`), of the Arrow columns `preds`, `labels` and optionally `sample_weight`.',
    request: DetCurveRequest,
    response: DetCurveResponse,
  },
  {
    path: '/v1/arrow/metrics',
    task: 'metrics',
    summary: 'Classification metrics, for a batch sent as Arrow',
    description: `${metricsDescription} The metrics list goes in the query as JSON: \`metrics=["accuracy",{"name":"f1_score","average":"micro"}]\`.`,
    request: MetricsRequest,
    response: MetricsResponse,
  },
  {
    path: '/v1/arrow/score',
    task: 'score',
    summary: 'Focal loss and metrics together, for a batch sent as Arrow',
    description: scoreDescription,
    request: ScoreRequest,
    response: ScoreResponse,
    arrowAnswer: 'The loss `grad` / `losses` as columns, everything else as JSON in the schema metadata `response`.',
  },
];

const arrowRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const operation of arrowOperations) {
    app.post(
      operation.path,
      {
        // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
        config: { rawBodies: true },
        schema: {
          operationId: `${operation.task}Arrow`,
          tags: ['arrow'],
          summary: operation.summary,
          description: `${operation.description} The body is an Arrow IPC stream (what pyarrow's ipc.new_stream writes); the options are query parameters with the JSON field names (arrays comma-separated, object fields dotted).`,
          consumes: [ARROW_MEDIA_TYPE],
          body: arrowBody(ARROW_REQUEST_DESCRIPTION),
          querystring: arrowQuery(operation.request),
          response: {
            ...okResponse(
              operation.arrowAnswer ? 'The answer as JSON, or with Accept: application/vnd.apache.arrow.stream as an Arrow stream.' : 'The answer as JSON.',
              { 'application/json': operation.response, ...(operation.arrowAnswer ? { [ARROW_MEDIA_TYPE]: arrowStream(operation.arrowAnswer) } : {}) },
            ),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => app.scoring.respond(request, reply, operation.task, { arrowOnly: true }),
    );
  }
};

export default arrowRoutes;
