import parse from 'joi-to-json';
import type Joi from 'joi';
import { apiErrorSchema } from '@karavan/shared';
import type { RouteSpec } from '../lib/route';

type JsonSchema = Record<string, unknown>;

const toJsonSchema = (schema: Joi.Schema): JsonSchema => parse(schema, 'open-api-3.1') as JsonSchema;

/** `/api/users/:id` -> `/api/users/{id}` */
export const toOpenApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(spec: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [location, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: location, required: location === 'path' || required.has(name), schema: property });
    }
  }
  if (spec.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes a retry safe: a replay returns the first response; the same key with another body is 422.',
      schema: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$' },
    });
  }
  return out;
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The OpenAPI 3.1 document, generated from the same route specs and Joi schemas that serve requests. */
export function buildOpenApiDocument(routes: RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] =
        Number(status) >= 400
          ? errorResponse(response.description)
          : {
              description: response.description,
              ...(response.schema
                ? { content: { 'application/json': { schema: toJsonSchema(response.schema) } } }
                : response.contentType
                  ? { content: { [response.contentType]: { schema: { type: 'string' } } } }
                  : {}),
            };
    }
    if (spec.body || spec.query || spec.params)
      responses['400'] ??= errorResponse('Invalid input; `details` lists the field paths');
    if (spec.access !== 'public') {
      responses['401'] ??= errorResponse('Missing, expired or revoked access token');
      responses['403'] ??= errorResponse('The caller may not do this');
    }
    if (spec.idempotent) responses['422'] ??= errorResponse('The Idempotency-Key was used with another request');
    responses['503'] ??= errorResponse('The database is unavailable');
    responses['500'] ??= errorResponse('Unexpected error (logged, never with internals)');

    const operation: JsonSchema = {
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      operationId: `${spec.method}${toOpenApiPath(spec.path)
        .replace(/[{}]/g, '')
        .split(/[/.-]/)
        .filter(Boolean)
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join('')}`,
      security: spec.access === 'public' ? [] : [{ bearerAuth: [] }],
      ...(spec.access !== 'public' ? { 'x-karavan-right': spec.access } : {}),
      parameters: parameters(spec),
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body) } } } }
        : {}),
      responses,
    };
    (paths[toOpenApiPath(spec.path)] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Karavan API',
      version,
      description:
        'Humanitarian aid logistics: donations, stock, shipments and volunteers. Errors are `{ code, message, details?, requestId }`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toJsonSchema(apiErrorSchema) },
    },
    paths,
  };
}
