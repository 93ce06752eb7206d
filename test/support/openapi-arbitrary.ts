import fc from 'fast-check';

/** A JSON Schema node of the OpenAPI document (2020-12 dialect), as far as the builder reads it. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | false;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
}

/** How large generated values may grow: arrays are cut to `maxItems`, nesting to `maxDepth`. */
export interface ArbitraryLimits {
  maxItems: number;
  maxDepth: number;
}

/**
 * A fast-check arbitrary of the values a JSON schema accepts: what a client generated from the
 * document may send. Covers the subset the service's document uses — `$ref` into
 * `components.schemas`, `anyOf`/`oneOf` (one alternative each), `const`, `enum`, numbers and
 * integers with their bounds, strings (a `pattern` only of the form `^[0-9a-f]{n}$`), booleans,
 * null, arrays (cut to `limits.maxItems`) and objects (required properties always, the others
 * sometimes, no extra ones). Anything else throws, so a new construct is noticed rather than
 * silently generated wrong.
 *
 * @param components the document's `components.schemas`, to resolve `$ref`
 * @throws {Error} naming the construct the builder does not know
 */
export function arbitraryOf(schema: JsonSchema, components: Record<string, JsonSchema>, limits: ArbitraryLimits = { maxItems: 6, maxDepth: 24 }, depth = 0): fc.Arbitrary<unknown> {
  if (depth > limits.maxDepth) throw new Error('schema nests deeper than maxDepth');
  const inner = (s: JsonSchema) => arbitraryOf(s, components, limits, depth + 1);
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (!(name in components)) throw new Error(`unresolved ${schema.$ref}`);
    return inner(components[name]);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map(inner));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => inner({ ...schema, type })));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1000, schema.exclusiveMinimum !== undefined ? Math.floor(schema.exclusiveMinimum) + 1 : -Infinity, -(2 ** 31));
      const max = Math.min(schema.maximum ?? 1000, schema.exclusiveMaximum !== undefined ? Math.ceil(schema.exclusiveMaximum) - 1 : Infinity, 2 ** 31 - 1);
      // Mostly small values near the lower bound (class counts, bins), sometimes anywhere in range.
      return fc.oneof({ arbitrary: fc.integer({ min, max: Math.min(max, min + 10) }), weight: 3 }, { arbitrary: fc.integer({ min, max }), weight: 1 });
    }
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e6;
      const max = schema.maximum ?? schema.exclusiveMaximum ?? 1e6;
      return fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true })
        .filter((x) => (schema.exclusiveMinimum === undefined || x > schema.exclusiveMinimum) && (schema.exclusiveMaximum === undefined || x < schema.exclusiveMaximum))
        .map((x) => (Object.is(x, -0) ? 0 : x));
    }
    case 'string': {
      if (schema.pattern !== undefined) {
        const hex = /^\^\[0-9a-f\]\{(\d+)\}\$$/.exec(schema.pattern);
        if (!hex) throw new Error(`pattern ${schema.pattern} is not generated`);
        return fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: Number(hex[1]), maxLength: Number(hex[1]) });
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 12, 12) });
    }
    case 'array': {
      if (schema.items === false || schema.items === undefined) throw new Error('arrays without items are not generated');
      const minLength = schema.minItems ?? 0;
      return fc.array(inner(schema.items), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? limits.maxItems, limits.maxItems)) });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const fields = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, inner(property)]));
      return fc.record(fields, { requiredKeys: schema.required ?? [] });
    }
    default:
      // `{}` (any value): the document uses it only for free-form values; a small JSON value.
      if (Object.keys(schema).every((key) => key === 'description' || key === 'default')) return fc.constantFrom(null, 0, 'x');
      throw new Error(`schema ${JSON.stringify(schema).slice(0, 120)} is not generated`);
  }
}
