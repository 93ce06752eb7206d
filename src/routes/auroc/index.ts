import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AurocCompareRequest, AurocCompareResponse } from '../../schemas/auroc-compare.js';
import { AurocRequest } from '../../schemas/auroc.js';
import { AurocResponse } from '../../metrics/auroc.js';
import { okResponse, problemResponses } from '../../schemas/common.js';

const aurocRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/auroc',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'auroc',
        tags: ['metrics'],
        summary: 'Area under the ROC curve',
        description: [
          'AUROC as torchmetrics `AUROC` and scikit-learn `roc_auc_score`: binary, multiclass (one-vs-rest or one-vs-one),',
          'multilabel; `macro`, `weighted`, `micro` or `none` averaging; `max_fpr` (McClish partial AUC); binned `thresholds`.',
          'Ties get half credit. A class with no positives or no negatives is `null`, named in `warnings`,',
          'and left out of the averages (not counted as 0).',
        ].join(' '),
        body: AurocRequest,
        response: {
          ...okResponse('The AUROC (per class, per pair for one-vs-one), with its interval when asked.', { 'application/json': AurocResponse }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'auroc'),
  );

  app.post(
    '/v1/auroc/compare',
    {
      // Raw bodies (large JSON, Arrow) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'aurocCompare',
        tags: ['metrics'],
        summary: 'Compare two models\' AUROC on the same samples (DeLong test)',
        description: [
          'Binary labels and two score vectors for the same samples: both AUROCs, their difference with a DeLong interval,',
          'the DeLong z statistic and the two-sided p-value (DeLong, DeLong & Clarke-Pearson 1988; fast algorithm of Sun & Xu 2014).',
        ].join(' '),
        body: AurocCompareRequest,
        response: {
          ...okResponse('Both AUROCs, their difference with its DeLong interval, z and the two-sided p-value.', { 'application/json': AurocCompareResponse }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'aurocCompare'),
  );
};

export default aurocRoutes;
