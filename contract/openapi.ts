/**
 * Builds the OpenAPI 3.1 document from route contracts: paths and operations from the routes,
 * parameter and body schemas from their zod schemas (input form: what a client may send),
 * response schemas from theirs (output form: closed objects, so a field the server adds without
 * documenting it fails the response-validation tests), named schemas as components.
 */

import * as z from 'zod/mini';
import type { JsonSchema, ResponseSpec, RouteContract } from './route.ts';
import { LIMIT_SETTING } from './schema.ts';

export type OpenApiInfo = {
  title: string;
  version: string;
  summary: string;
  description: string;
};

export type OpenApiDocument = {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: OpenApiInfo;
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, JsonSchema>;
  };
};

export interface DocumentSpec {
  info: OpenApiInfo;
  tags: { name: string; description: string }[];
  routes: readonly RouteContract[];
  /** Named schemas to list as components even where no route references them. */
  components?: readonly z.ZodMiniType[];
  /**
   * Methods answered on every path besides the routes' own (e.g. CORS preflights), given the
   * path's id and its path parameters.
   */
  everyPath?: Record<
    string,
    (pathId: string, pathParameters: unknown[]) => Record<string, unknown>
  >;
  /** Responses any operation may give, before its route runs (e.g. a limit of the gateway). */
  everyOperation?: Record<string, ResponseSpec>;
  /** Values of the settings that schemas are `limitedBy`: each becomes the schema's maximum. */
  limits?: Record<string, number>;
}

type Parameter = { name: string; in: 'path' | 'query' | 'header' };

const JSON_TYPE = 'application/json';
const COMPONENT = '#/components/schemas/';

export function buildOpenApiDocument(spec: DocumentSpec): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of spec.routes) {
    paths[route.path] ??= {};
    const item = paths[route.path] as Record<string, unknown>;
    if (route.legacyAlias) {
      item.servers = [
        { url: '/', description: 'This API' },
        { url: '/api', description: 'Legacy nft.storage prefix (alias)' },
      ];
    }
    item[route.method.toLowerCase()] = operation(route, components);
  }
  for (const schema of spec.components ?? []) responseSchema(schema, components);
  for (const [path, item] of Object.entries(paths)) {
    const pathParameters = new Map<string, unknown>();
    for (const op of Object.values(item)) {
      for (const parameter of (op as { parameters?: Parameter[] }).parameters ?? []) {
        if (parameter.in === 'path') pathParameters.set(parameter.name, parameter);
      }
    }
    for (const [method, build] of Object.entries(spec.everyPath ?? {})) {
      item[method] = build(pathId(path), [...pathParameters.values()]);
    }
    for (const op of Object.values(item)) {
      const responses = (op as { responses?: Record<string, unknown> }).responses;
      if (!responses) continue;
      for (const [status, response] of Object.entries(spec.everyOperation ?? {})) {
        responses[status] ??= responseObject(response, components);
      }
    }
  }
  applyLimits(paths, spec.limits ?? {});
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: spec.info,
    servers: [{ url: '/', description: 'This API' }],
    security: [{ bearerAuth: [] }],
    tags: spec.tags,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'pst_<token id>_<secret>',
          description: 'An API key created with the pinstack CLI',
        },
      },
      schemas: Object.fromEntries(
        Object.entries(components).sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
  };
}

function operation(route: RouteContract, components: Record<string, JsonSchema>) {
  const parameters = [
    ...parametersOf(route.params, 'path'),
    ...parametersOf(route.query, 'query'),
    ...parametersOf(route.headers, 'header'),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = responseObject(response, components);
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.auth === 'none' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: requestBody(route.body) } : {}),
    responses,
  };
}

function responseObject(response: ResponseSpec, components: Record<string, JsonSchema>) {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (response.json) content[JSON_TYPE] = { schema: responseSchema(response.json, components) };
  for (const [type, schema] of Object.entries(response.media ?? {})) content[type] = { schema };
  return {
    description: response.description,
    ...(response.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([name, header]) => [
              name,
              {
                description: header.description,
                ...(header.required ? { required: true } : {}),
                schema: requestSchema(header.schema),
              },
            ]),
          ),
        }
      : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

function requestBody(body: NonNullable<RouteContract['body']>) {
  const content: Record<string, unknown> = {};
  if (body.json) content[JSON_TYPE] = { schema: requestSchema(body.json) };
  for (const [type, media] of Object.entries(body.media ?? {})) content[type] = media;
  return { description: body.description, required: body.required, content };
}

function parametersOf(schema: z.ZodMiniObject | undefined, location: 'path' | 'query' | 'header') {
  if (!schema) return [];
  const json = requestSchema(schema) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string } & JsonSchema;
    return {
      name,
      in: location,
      ...(description ? { description } : {}),
      ...(location === 'path' || json.required?.includes(name) ? { required: true } : {}),
      schema: rest,
    };
  });
}

/** A response schema: named schemas are hoisted into components and referenced. */
function responseSchema(schema: z.ZodMiniType, components: Record<string, JsonSchema>): JsonSchema {
  const {
    $defs = {},
    $schema: _,
    ...root
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [id, definition] of Object.entries($defs)) {
    const rewritten = rewriteRefs(definition) as JsonSchema;
    const existing = components[id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(rewritten)) {
      throw new Error(`Two different schemas are named ${id}`);
    }
    components[id] = rewritten;
  }
  return rewriteRefs(root) as JsonSchema;
}

/**
 * A request schema (parameters, request bodies, header values): what a client may send. It is
 * self-contained, since the input form of a named schema can differ from its output form.
 */
function requestSchema(schema: z.ZodMiniType): JsonSchema {
  const {
    $defs = {},
    $schema: _,
    ...root
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  return inlineDefs(root, $defs) as JsonSchema;
}

/**
 * Sets `maximum` wherever a schema is limited by a setting, and drops the marker; a limited
 * schema whose setting has no value is a mistake in the spec.
 */
function applyLimits(value: unknown, limits: Record<string, number>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) applyLimits(item, limits);
    return;
  }
  const node = value as Record<string, unknown>;
  const setting = node[LIMIT_SETTING];
  if (typeof setting === 'string') {
    const limit = limits[setting];
    if (limit === undefined)
      throw new Error(`No value for ${setting}, which a schema is limited by`);
    node.maximum = limit;
    delete node[LIMIT_SETTING];
  }
  for (const inner of Object.values(node)) applyLimits(inner, limits);
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
        ? [key, `${COMPONENT}${inner.slice('#/$defs/'.length)}`]
        : [key, rewriteRefs(inner)],
    ),
  );
}

function inlineDefs(value: unknown, defs: Record<string, JsonSchema>): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineDefs(item, defs));
  if (value === null || typeof value !== 'object') return value;
  const { $ref, ...rest } = value as { $ref?: unknown };
  const inlined = Object.fromEntries(
    Object.entries(rest).map(([key, inner]) => [key, inlineDefs(inner, defs)]),
  );
  if (typeof $ref === 'string' && $ref.startsWith('#/$defs/')) {
    const target = defs[$ref.slice('#/$defs/'.length)];
    if (!target) throw new Error(`Unresolvable ${$ref}`);
    return { ...(inlineDefs(target, defs) as JsonSchema), ...inlined };
  }
  return $ref === undefined ? inlined : { $ref, ...inlined };
}

/** `/upload/{cid}` -> `UploadCid`: a readable suffix for per-path operation ids. */
function pathId(path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return words.join('') || 'Root';
}
