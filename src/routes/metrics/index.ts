import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { MetricsRequest, MetricsResponse } from '../../schemas/metrics.js';

export const metricsDescription = [
  'Takes the batch once and any number of metrics of the catalogue (torchmetrics 1.9 names, options and defaults;',
  'see MetricName for the list). Metrics that read the same state share it: the whole threshold family counts the',
  'batch once. `key` names an entry, so one metric can be asked twice. Undefined values are null with a warning.',
  'With `Accept: image/svg+xml`, the first `confusion_matrix` (a heat map) or `calibration_error` (a reliability',
  'diagram) in `metrics` is drawn. With `Accept: text/plain`, the first `classification_report` is answered as the text',
  'table scikit-learn prints.',
].join(' ');

const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/metrics',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'metrics',
        tags: ['metrics'],
        summary: 'Classification metrics of one batch (JSON, or a confusion-matrix heat map or reliability diagram as SVG)',
        description: `${metricsDescription} Arrow bodies: POST /v1/arrow/metrics.`,
        body: MetricsRequest,
        response: {
          ...okResponse('Each metric asked, under its key; or, as SVG, the confusion matrix drawn.', {
            'application/json': MetricsResponse,
            'image/svg+xml': z.string().describe('The first metric asked by_group with a scalar value as bars (each group\'s value and rows beside the overall one); else the first confusion_matrix asked as a heat map (counts, or rates when normalized), or the first calibration_error as a reliability diagram.'),
            'text/plain': z.string().describe('The first classification_report asked, as scikit-learn\'s classification_report prints it (digits 2).'),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'metrics'),
  );
};

export default metricsRoutes;
