import { z } from 'zod';

export const ARROW_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** An Arrow IPC stream in an OpenAPI document (binary, described, not validated as JSON). */
export const arrowStream = (description: string) => z.string().meta({ format: 'binary', description });

/**
 * The query parameters of an Arrow request, derived from the JSON body schema: every option
 * field but the two columns, as text (arrays comma-separated, nested fields dotted). The decoder
 * turns them into the JSON field types and validates them with the body schema itself.
 */
export function arrowQuery(body: z.ZodObject) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(body.shape as Record<string, z.ZodType>)) {
    if (key === 'preds' || key === 'labels') continue;
    const description = (field as z.ZodType & { description?: string }).description;
    shape[key] = z
      .string()
      .optional()
      .describe(`Arrow requests only (JSON requests carry it in the body)${description ? `: ${description}` : ''}`);
  }
  return z.looseObject(shape);
}

export const ARROW_REQUEST_DESCRIPTION =
  'An Arrow IPC stream with a column `preds` (Float32 or Float64; a FixedSizeList of them for [N, C]) and a column `labels` (any integer type; a FixedSizeList for multilabel). Options go in the query string with the JSON field names.';
