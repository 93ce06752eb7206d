import { z } from 'zod';

export const ARROW_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** An Arrow IPC stream in an OpenAPI document (binary, described, not validated as JSON). */
export const arrowStream = (description: string) => z.string().meta({ format: 'binary', description });

/**
 * The query parameters of an Arrow operation, typed as the server reads them from the body
 * schema's option fields (every field but the `preds` and `labels` columns): numbers, booleans,
 * enums and null as such, arrays as comma lists, and the fields of an object option under dotted
 * names (`ci.method`, `loss.gamma`). Validation accepts any text here: the Arrow decoder turns the
 * query into the JSON body's options and validates them with the body schema itself.
 */
export function arrowQuery(body: z.ZodObject) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(body.shape as Record<string, z.ZodType>)) {
    if (key === 'preds' || key === 'labels') continue;
    // A field the body cannot go without (`metrics` of /v1/metrics) is a required parameter.
    const required = !field.safeParse(undefined).success;
    for (const [name, schema] of Object.entries(queryParameters(key, inlineDefs(z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as JsonSchema)))) {
      shape[name] = required && name === key ? z.unknown().meta(schema) : z.unknown().optional().meta(schema);
    }
  }
  return z.looseObject(shape);
}

type JsonSchema = Record<string, unknown> & { anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; type?: string; $defs?: Record<string, JsonSchema> };

/** A standalone JSON schema with its `$defs` references inlined, without `$schema`. */
function inlineDefs(schema: JsonSchema): JsonSchema {
  const defs = schema.$defs ?? {};
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (!node || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as JsonSchema & { $ref?: string };
    const target = typeof $ref === 'string' && $ref.startsWith('#/$defs/') ? (resolve(defs[$ref.slice('#/$defs/'.length)]) as JsonSchema) : {};
    const fields = Object.entries(rest).filter(([k]) => k !== '$defs' && k !== '$schema');
    return { ...target, ...Object.fromEntries(fields.map(([k, v]) => [k, resolve(v)])) };
  };
  return resolve(schema) as JsonSchema;
}

/** An array's items as a comma list can carry them: objects cannot be written there. */
function commaListItems(schema: JsonSchema): JsonSchema {
  if (schema.type !== 'array' || typeof schema.items !== 'object' || schema.items === null) return schema;
  const items = schema.items as JsonSchema;
  if (!items.anyOf) return schema;
  const scalars = items.anyOf.filter((s) => s.type !== 'object' && !('oneOf' in s) && !('anyOf' in s));
  return { ...schema, items: scalars.length === 1 ? scalars[0] : { ...items, anyOf: scalars } };
}

/**
 * One option field as query parameters: itself, with the alternatives text can carry (`null`
 * as the word null), and its object alternative's fields under dotted names.
 */
function queryParameters(name: string, schema: JsonSchema): Record<string, JsonSchema> {
  const { anyOf, ...common } = schema;
  const alternatives = anyOf ?? [schema];
  const objects = alternatives.filter((s) => s.type === 'object');
  const values: JsonSchema[] = alternatives.filter((s) => s.type !== 'object' && s.type !== 'null').map(commaListItems);
  if (alternatives.some((s) => s.type === 'null')) values.push({ type: 'string', enum: ['null'] });
  const out: Record<string, JsonSchema> = {};
  if (values.length > 0) {
    const { description, default: fallback } = common;
    const only = values.length === 1 ? values[0] : { anyOf: values };
    out[name] = { ...only, ...(description ? { description } : {}), ...(fallback !== undefined && fallback !== null ? { default: fallback } : {}) };
  }
  for (const object of objects) {
    for (const [field, sub] of Object.entries(object.properties ?? {})) Object.assign(out, queryParameters(`${name}.${field}`, sub));
  }
  return out;
}

/**
 * The body of an Arrow operation in the document: binary bytes. Validation accepts anything here;
 * the scoring plugin answers 415 to a body that is not an Arrow stream, and the decoder checks
 * the stream.
 */
export const arrowBody = (description: string) => z.unknown().meta({ type: 'string', format: 'binary', description });

export const ARROW_REQUEST_DESCRIPTION =
  'An Arrow IPC stream with a column `preds` (Float32 or Float64; a FixedSizeList of them for [N, C]) and a column `labels` (any integer type; a FixedSizeList for multilabel). Options go in the query string with the JSON field names.';
