import { isDeepStrictEqual } from 'node:util';
import { ignoringInlineLimit } from '../batch/limits.js';
import { scoringTasks, type ScoringTaskName } from '../endpoints/tasks.js';
import { JSON_TEXT } from '../schemas/sessions.js';

/**
 * The last stage of the OpenAPI document, after @fastify/swagger has built it from the routes'
 * zod schemas: what that pipeline cannot say on its own, derived from the same schemas and the
 * same computations, never written by hand.
 *
 * - components: an input and an output variant that are the same schema become one; unused ones
 *   go (fastify-type-provider-zod emits both variants of every registered schema);
 * - the bearer scheme (when API_TOKENS is set) and `Retry-After` on 503;
 * - Arrow operations' comma-list query parameters (`style: form`, `explode: false`);
 * - query parameters read as JSON text (`jsonTextQuery`) that take objects or lists, declared as
 *   `content: application/json`, so a generated client writes them as JSON;
 * - each named request example answered by the app's own computation, as the 200's example.
 */
export function finishDocument(document: OpenApiDocument): OpenApiDocument {
  tidyComponents(document);
  document.components = {
    ...document.components,
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'Required on /v1/* when the service runs with API_TOKENS (comma-separated tokens); otherwise no authentication.',
      },
    },
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(item)) {
      // /v1/* takes the token when API_TOKENS is set (and nothing otherwise); health never does.
      operation.security = path.startsWith('/v1/') ? [{ bearerAuth: [] }, {}] : [];
      const unavailable = operation.responses?.['503'];
      if (unavailable) {
        unavailable.headers = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } } };
      }
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema && JSON_TEXT in parameter.schema) jsonTextParameter(parameter);
        const schema = parameter.schema;
        const list = schema?.type === 'array' || schema?.anyOf?.some((alternative) => alternative.type === 'array');
        if (parameter.in === 'query' && list) Object.assign(parameter, { style: 'form', explode: false });
      }
      answerExamples(operation);
    }
  }
  return document;
}

/** Whether a schema (or any alternative of it, however nested) is an object or a list. */
const structured = (schema: SchemaNode): boolean => schema.type === 'object' || schema.type === 'array' || (schema.anyOf ?? []).some(structured);

/**
 * A query parameter read as JSON text: its marker dropped; when it takes an object or a list, its
 * schema moved under `content: application/json` (OpenAPI's form for a parameter serialized as JSON).
 */
function jsonTextParameter(parameter: Parameter): void {
  const { [JSON_TEXT]: _marker, ...schema } = parameter.schema as SchemaNode & Record<string, unknown>;
  if (!structured(schema)) {
    parameter.schema = schema;
    return;
  }
  delete parameter.schema;
  parameter.content = { 'application/json': { schema } };
}

/** The 200 example of each named request example: what the app answers to it, computed now. */
function answerExamples(operation: Operation): void {
  const task = operation.operationId as ScoringTaskName | undefined;
  const examples = operation.requestBody?.content?.['application/json']?.examples;
  const answers = operation.responses?.['200']?.content?.['application/json'];
  if (!task || !(task in scoringTasks) || !examples || !answers) return;
  answers.examples = {};
  for (const [name, example] of Object.entries(examples)) {
    const bytes = new TextEncoder().encode(JSON.stringify(example.value));
    // Computed here at start, once: a bootstrap example is priced over INLINE_MAX_WORK but is small.
    const { payload } = ignoringInlineLimit(() => scoringTasks[task].execute({ kind: 'json', bytes }, 'json'));
    answers.examples[name] = { summary: example.summary, value: JSON.parse(JSON.stringify(payload)) };
  }
}

const REF = '#/components/schemas/';

/**
 * Components as a client generator should see them: `XInput` merged into `X` where the two are
 * the same schema, an `XInput` that is the only one used renamed `X`, and every component no
 * operation reaches removed.
 */
function tidyComponents(document: OpenApiDocument): void {
  const schemas = document.components?.schemas;
  if (!schemas) return;
  const renameRefs = (from: string, to: string) => {
    document.paths = replaceRefs(document.paths, REF + from, REF + to) as OpenApiDocument['paths'];
    for (const key of Object.keys(schemas)) schemas[key] = replaceRefs(schemas[key], REF + from, REF + to);
  };
  // Merge identical pairs until none is left (a pair can become identical once its children merge).
  for (let merged = true; merged; ) {
    merged = false;
    for (const name of Object.keys(schemas)) {
      const base: string | null = name.endsWith('Input') ? name.slice(0, -'Input'.length) : null;
      if (base === null || !(base in schemas) || !isDeepStrictEqual(schemas[name], schemas[base])) continue;
      renameRefs(name, base);
      delete schemas[name];
      merged = true;
    }
  }
  const reachable = reachableComponents(document);
  for (const name of Object.keys(schemas)) {
    const base = name.endsWith('Input') ? name.slice(0, -'Input'.length) : null;
    if (base !== null && reachable.has(name) && !reachable.has(base)) {
      schemas[base] = schemas[name];
      delete schemas[name];
      renameRefs(name, base);
    }
  }
  const used = reachableComponents(document);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}

/** Component names referenced from the paths, directly or through other components. */
function reachableComponents(document: OpenApiDocument): Set<string> {
  const schemas = document.components?.schemas ?? {};
  const seen = new Set<string>();
  const queue = [...refsIn(document.paths)];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name) || !(name in schemas)) continue;
    seen.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  return seen;
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) refsIn(child, out);
  else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(REF)) out.push(child.slice(REF.length));
      else refsIn(child, out);
    }
  }
  return out;
}

function replaceRefs(node: unknown, from: string, to: string): unknown {
  if (Array.isArray(node)) return node.map((child) => replaceRefs(child, from, to));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, key === '$ref' && child === from ? to : replaceRefs(child, from, to)]));
}

interface SchemaNode {
  type?: string;
  anyOf?: SchemaNode[];
}

interface Parameter {
  in: string;
  schema?: SchemaNode;
  content?: Record<string, { schema: SchemaNode }>;
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { examples?: Record<string, { summary?: string; value: unknown }> }> };
  responses?: Record<string, { headers?: object; content?: Record<string, { examples?: Record<string, { summary?: string; value: unknown }> }> }>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}
