import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { DetCurveRequest, PrecisionRecallRequest, RocRequest } from '../../schemas/curves.js';
import { DetCurveResponse, PrecisionRecallResponse, RocResponse } from '../../metrics/curves.js';

/** A curve answers JSON, or SVG when the client's Accept header prefers it. */
const curveResponse = (json: z.ZodType, description: string) => ({
  ...okResponse(description, { 'application/json': json, 'image/svg+xml': z.string().describe('The curves plotted, with the metric in the legend.') }),
  ...problemResponses,
});

const curveRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/roc',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'roc',
        tags: ['metrics'],
        summary: 'ROC curve (JSON, or SVG with Accept: image/svg+xml)',
        description: [
          'As scikit-learn `roc_curve` (exact; starts at (0, 0); `drop_intermediate` drops collinear points) or torchmetrics',
          '`roc` with binned `thresholds`. Multiclass one-vs-rest and multilabel give one curve per class in `per_class`.',
          '`max_points` caps each curve, keeping its shape. With `Accept: image/svg+xml` the answer is a plot.',
        ].join(' '),
        body: RocRequest,
        response: curveResponse(RocResponse, 'The ROC curve (per class for multiclass and multilabel) with its AUROC, as JSON; or the plot, as SVG.'),
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'roc'),
  );

  app.post(
    '/v1/precision-recall-curve',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'precisionRecallCurve',
        tags: ['metrics'],
        summary: 'Precision-recall curve (JSON, or SVG with Accept: image/svg+xml)',
        description: [
          'As scikit-learn `precision_recall_curve` (exact) or torchmetrics with binned `thresholds`; the last point is',
          '(recall 0, precision 1). Multiclass one-vs-rest and multilabel give one curve per class. `average_precision` of',
          'each curve is included.',
        ].join(' '),
        body: PrecisionRecallRequest,
        response: curveResponse(
          PrecisionRecallResponse,
          'The precision-recall curve (per class for multiclass and multilabel) with its average precision and chance level, as JSON; or the plot, as SVG.',
        ),
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'precisionRecallCurve'),
  );

  app.post(
    '/v1/det-curve',
    {
      // Raw bodies (large JSON) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'detCurve',
        tags: ['metrics'],
        summary: 'Detection error tradeoff (DET) curve (JSON, or SVG with Accept: image/svg+xml)',
        description: [
          'As scikit-learn `det_curve` (binary): false-positive and false-negative rates at increasing thresholds, from the',
          'highest threshold where fnr is 0 to the lowest where fpr is 0; `drop_intermediate` (default false) drops points on',
          'horizontal runs. With `Accept: image/svg+xml`, the plot on normal-deviate axes as scikit-learn\'s `DetCurveDisplay`.',
        ].join(' '),
        body: DetCurveRequest,
        response: curveResponse(DetCurveResponse, 'The DET curve, as JSON; or the plot on normal-deviate axes, as SVG.'),
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'detCurve'),
  );
};

export default curveRoutes;
