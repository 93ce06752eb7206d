import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { okResponse, problemResponses } from '../../schemas/common.js';
import { CalibrationRequest } from '../../schemas/calibration.js';
import { CalibrationResponse } from '../../metrics/calibration.js';

const calibrationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/calibration',
    {
      // Raw bodies (large JSON) are decoded where they are computed (scoring.respond).
      config: { rawBodies: true },
      schema: {
        operationId: 'calibration',
        tags: ['metrics'],
        summary: 'Probability calibration of one batch: sigmoid, isotonic or temperature (JSON, or reliability diagrams as SVG)',
        description: [
          'Fits the calibration scikit-learn 1.9\'s `CalibratedClassifierCV(FrozenEstimator(model), method=...)` fits on',
          'the batch\'s scores as sent: `sigmoid` (Platt; `a`, `b`) and `isotonic` (breakpoints `x`, `y`) per class one-vs-rest',
          '(binary: one calibrator on the positive score; multiclass: `per_class`, rows renormalised), `temperature` (one `T`);',
          'multilabel: each label on its own as a binary batch, under `per_label`.',
          'Answers the parameters in a form any language can apply, the log loss, Brier score and calibration error (15 bins, l1)',
          'before and after, and the calibrated probabilities with `return_probs`. With `Accept: image/svg+xml`, the reliability',
          'diagrams before and after.',
        ].join(' '),
        body: CalibrationRequest,
        response: {
          ...okResponse('The fitted calibration, its parameters and the metrics before and after it; or, as SVG, the reliability diagrams.', {
            'application/json': CalibrationResponse,
            'image/svg+xml': z.string().describe('The reliability diagrams of the batch before and after calibration, side by side.'),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => app.scoring.respond(request, reply, 'calibration'),
  );
};

export default calibrationRoutes;
