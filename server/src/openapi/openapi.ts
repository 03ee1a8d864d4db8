import type Joi from 'joi';
import { apiErrorSchema, formatLimit, PACK_SIZE_MAX, QUANTITY_MAX, TOTAL_MAX } from '@karavan/shared';
import type { RouteSpec } from '../lib/route';

type JsonSchema = Record<string, unknown>;

interface JoiDescription {
  type?: string;
  allow?: unknown[];
  flags?: { only?: boolean };
  rules?: Array<{ name: string; args?: { limit?: number; regex?: string; options?: { invert?: boolean } } }>;
}
interface JoiToJsonParser {
  parse(description: Joi.Description, definitions?: JsonSchema): JsonSchema;
  _setStringFieldProperties(fieldSchema: JsonSchema, description: JoiDescription): void;
  _setObjectProperties(fieldSchema: JsonSchema, description: JoiDescription, ...rest: unknown[]): void;
}
// joi-to-json's OpenAPI 3.1 parser, extended below; the package exports only a function.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenApi31Parser = require('joi-to-json/lib/parsers/open-api-3.1') as new () => JoiToJsonParser;

/**
 * joi-to-json, made to say what the validation does (the schema fuzzer holds us to it):
 * - `minChars`/`maxChars` (shared/src/text.ts, code points like JSON Schema) are minLength/maxLength;
 * - `length(n)` is minLength = maxLength = n; `hex()` is a hex pattern;
 * - a Joi string refuses '' unless it allows it: minLength 1 when no minimum is set;
 * - an object's `min(n)`/`max(n)` keys are minProperties/maxProperties;
 * - a comparison with another field (`invalid(Joi.ref(...))`) is not JSON Schema: left to prose.
 */
class TruthfulParser extends OpenApi31Parser {
  override _setObjectProperties(fieldSchema: JsonSchema, description: JoiDescription, ...rest: unknown[]): void {
    super._setObjectProperties(fieldSchema, description, ...rest);
    if (fieldSchema.type !== 'object') return;
    for (const rule of description.rules ?? []) {
      if (rule.name === 'min') fieldSchema.minProperties = rule.args?.limit;
      else if (rule.name === 'max') fieldSchema.maxProperties = rule.args?.limit;
    }
  }

  override _setStringFieldProperties(fieldSchema: JsonSchema, description: JoiDescription): void {
    super._setStringFieldProperties(fieldSchema, description);
    if (fieldSchema.type !== 'string' && !(Array.isArray(fieldSchema.type) && fieldSchema.type.includes('string'))) {
      return;
    }
    for (const rule of description.rules ?? []) {
      const limit = rule.args?.limit;
      if (rule.name === 'minChars') fieldSchema.minLength = limit;
      else if (rule.name === 'maxChars') fieldSchema.maxLength = limit;
      else if (rule.name === 'length') fieldSchema.minLength = fieldSchema.maxLength = limit;
      else if (rule.name === 'hex') fieldSchema.pattern ??= '^[0-9a-fA-F]*$';
    }
    // JSON Schema has one `pattern` per schema and joi-to-json keeps only the last: every further
    // pattern the value must match goes into `allOf`. A pattern is only its source: flags cannot
    // be stated (joi-to-json left a `/u` inside the pattern, which then matched nothing), and
    // `\p{...}` means nothing to most readers of the document, so neither is allowed.
    const patterns = (description.rules ?? [])
      .filter((rule) => rule.name === 'pattern' && !rule.args?.options?.invert)
      .map((rule) => {
        const literal = String(rule.args?.regex);
        const [, source, flags] = /^\/(.*)\/([a-z]*)$/s.exec(literal) ?? [];
        if (source === undefined || flags !== '' || /\\[pP]\{/.test(source)) {
          throw new Error(`A pattern the OpenAPI document cannot state portably: ${literal}`);
        }
        return source;
      });
    if (patterns.length > 0) {
      fieldSchema.pattern = patterns[0];
      if (patterns.length > 1) fieldSchema.allOf = patterns.slice(1).map((pattern) => ({ pattern }));
    }
    const listed = description.flags?.only === true; // valid(...): an enum says it all
    if (!listed && fieldSchema.minLength === undefined && !(description.allow ?? []).includes('')) {
      fieldSchema.minLength = 1;
    }
  }
}

/** Drops `not: { enum: [{ ref }] }`, joi-to-json's rendering of `invalid(Joi.ref(...))`. */
function withoutReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutReferences);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'not' && JSON.stringify(value).includes('"ref"')) continue;
    out[key] = withoutReferences(value);
  }
  return out;
}

const toJsonSchema = (schema: Joi.Schema): JsonSchema =>
  withoutReferences(new TruthfulParser().parse(schema.describe(), {})) as JsonSchema;

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
    // (an Idempotency-Key that is not valid is a 400 too, also on a route that takes no input)
    if (spec.body || spec.query || spec.params || spec.idempotent)
      responses['400'] ??= errorResponse('Invalid input; `details` lists the field paths');
    if (spec.access !== 'public') {
      responses['401'] ??= errorResponse('Missing, expired or revoked access token');
      responses['403'] ??= errorResponse('The caller may not do this');
    }
    if (spec.body) {
      responses['422'] ??= errorResponse(
        'Well-formed, but it cannot be done: an unknown reference, a rule between fields or a duplicate in a list (`details` names the field)' +
          (spec.idempotent ? ', or an Idempotency-Key already used with another request' : ''),
      );
    } else if (spec.idempotent) responses['422'] ??= errorResponse('The Idempotency-Key was used with another request');
    if (spec.upload) {
      responses['413'] ??= errorResponse(`The file is larger than ${spec.upload.maxBytes} bytes`);
      responses['415'] ??= errorResponse(`Not one of ${spec.upload.contentTypes.join(', ')}`);
    }
    if (spec.rateLimited) responses['429'] ??= errorResponse('Too many requests; `Retry-After` says when to try again');
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
      ...(spec.upload
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                spec.upload.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
              ),
            },
          }
        : {}),
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
      description: [
        'Humanitarian aid logistics: donations, stock, shipments and volunteers. Errors are `{ code, message, details?, requestId }`.',
        `Limits, so that every count stays an exact integer: one line holds at most ${formatLimit(QUANTITY_MAX)} base units once pack units are converted (QUANTITY_MAX; a request's \`quantity\` is also at most that in its own unit), a pack unit at most ${formatLimit(PACK_SIZE_MAX)} base units (PACK_SIZE_MAX), and every running total (a place's stock of a lot, a campaign's donated/on-hand/reserved/in-transit/delivered/written-off per item) and every campaign target at most ${formatLimit(TOTAL_MAX)} base units (TOTAL_MAX). A request past one is 422 \`UNPROCESSABLE\` with a detail of \`type: "limit"\` naming it, and nothing is written (shipments, transfers, write-offs and adjustments alike).`,
        'Text (names, notes, addresses, reasons) refuses control characters, bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and noncharacters (U+FDD0-U+FDEF, U+FFFE, U+FFFF, and U+nFFFE/U+nFFFF above the BMP); a JSON body that is not valid UTF-8 is 400 `MALFORMED_JSON`.',
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toJsonSchema(apiErrorSchema) },
    },
    paths,
  };
}
