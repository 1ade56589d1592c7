/**
 * Checks an API response against the OpenAPI document the API serves: the status must be
 * documented for the operation, the body must match that status's schema (JSON Schema 2020-12
 * via Ajv, formats included) and the response's documented required headers must be present and
 * well-formed. Returns readable error strings; an empty list means the response conforms.
 *
 *   expect(validateResponse({ method: 'GET', path: '/check/{cid}', status: 200, body })).toEqual([]);
 *   expect(validateHandlerResponse({ method: 'GET', path: `/${cid}/` }, result)).toEqual([]);
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDocument } from '../../contract/api.ts';

export type JsonSchema = { [keyword: string]: unknown };
export type Reference = { $ref: string };
export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, { schema: JsonSchema }>;
}
export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface OperationObject {
  operationId: string;
  summary: string;
  security?: Record<string, string[]>[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: {
    description: string;
    required: boolean;
    content: Record<string, { schema: JsonSchema }>;
  };
  responses: Record<string, ResponseObject | Reference>;
}
export type PathItemObject = { servers?: { url: string; description: string }[] } & Partial<
  Record<HttpMethodName, OperationObject>
>;

export const HTTP_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
export type HttpMethodName = (typeof HTTP_METHODS)[number];

export const openApiDocument = apiDocument() as unknown as {
  openapi: string;
  info: { title: string; version: string; description: string };
  security: Record<string, string[]>[];
  paths: Record<string, PathItemObject>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};

export interface ResponseUnderTest {
  /** Any case: 'GET', 'get'. */
  method: string;
  /**
   * A path template of the document ('/check/{cid}') or a concrete request path
   * ('/api/check/bafy.../'), matched the way the router does (trailing slash, `/api` alias).
   */
  path: string;
  status: number;
  /** Response headers, any case. `content-type`, when given, must be a documented media type. */
  headers?: Record<string, string | number | boolean | undefined>;
  /** Parsed JSON, or the raw body string (parsed here when the documented content is JSON). */
  body?: unknown;
}

export interface OperationMatch {
  method: HttpMethodName;
  template: string;
  operation: OperationObject;
}

/** Where the document is registered in Ajv; local `#/components/...` refs resolve against it. */
const DOCUMENT_ID = 'https://pinstack.invalid/schema.json';

const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The components live under an OpenAPI keyword, not a JSON Schema one; declare it so strict
// mode accepts the wrapper that makes `#/components/schemas/X` resolvable.
ajv.addKeyword({ keyword: 'components' });
ajv.addSchema({ $id: DOCUMENT_ID, components: openApiDocument.components });

const compiled = new Map<string, ValidateFunction>();

/** Validates one response; `[]` when it conforms to the document. */
export function validateResponse(response: ResponseUnderTest): string[] {
  const where = `${response.method.toUpperCase()} ${response.path} -> ${response.status}`;
  const match = findOperation(response.method, response.path);
  if (!match) return [`${where}: no such operation in the OpenAPI document`];
  const documented = responseFor(match.operation, response.status);
  if (!documented) {
    const statuses = Object.keys(match.operation.responses).join(', ');
    return [`${where}: status not documented for ${match.template} (documented: ${statuses})`];
  }
  const headers = lowerCaseKeys(response.headers ?? {});
  return [
    ...checkHeaders(documented, headers, where),
    ...checkBody(documented, headers['content-type'], response.body, where),
  ];
}

/** Validates what a Lambda handler returned (string body, `statusCode`) for a request. */
export function validateHandlerResponse(
  request: { method: string; path: string },
  result: APIGatewayProxyStructuredResultV2,
): string[] {
  const headers = result.headers ?? {};
  let body: unknown = result.body ?? '';
  if (result.isBase64Encoded && typeof body === 'string') {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return validateResponse({ ...request, status: result.statusCode ?? 200, headers, body });
}

/** Every documented (method, path template, status): for tests that want full coverage. */
export function documentedResponses(): { method: string; path: string; status: string }[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) =>
      Object.keys(item[method]?.responses ?? {}).map((status) => ({
        method: method.toUpperCase(),
        path,
        status,
      })),
    ),
  );
}

/** The documented operation for a method and a template or concrete path. */
export function findOperation(method: string, path: string): OperationMatch | undefined {
  const name = method.toLowerCase() as HttpMethodName;
  if (!HTTP_METHODS.includes(name)) return undefined;
  const paths = openApiDocument.paths;
  const exact = paths[path]?.[name];
  if (exact) return { method: name, template: path, operation: exact };

  const candidates = Object.entries(paths)
    .filter(([, item]) => item[name])
    // Fixed segments win over parameters, as in the router's registration order.
    .sort(([a], [b]) => paramCount(a) - paramCount(b));
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  for (const [template, item] of candidates) {
    const aliased = item.servers?.some((server) => server.url === '/api') ?? false;
    const forms = [trimmed];
    if (aliased && /^\/api(\/|$)/i.test(trimmed)) forms.push(trimmed.slice(4) || '/');
    if (forms.some((form) => templatePattern(template).test(form))) {
      return { method: name, template, operation: item[name] as OperationObject };
    }
  }
  return undefined;
}

function responseFor(operation: OperationObject, status: number): ResponseObject | undefined {
  const responses = operation.responses;
  const found =
    responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  return found ? resolve<ResponseObject>(found) : undefined;
}

function checkHeaders(
  documented: ResponseObject,
  headers: Record<string, string>,
  where: string,
): string[] {
  const errors: string[] = [];
  for (const [name, headerOrRef] of Object.entries(documented.headers ?? {})) {
    const header = resolve<HeaderObject>(headerOrRef);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) errors.push(`${where}: missing required header ${name}`);
      continue;
    }
    errors.push(...runSchema(header.schema, value, `${where}: header ${name}`));
  }
  return errors;
}

function checkBody(
  documented: ResponseObject,
  contentType: string | undefined,
  body: unknown,
  where: string,
): string[] {
  const content = documented.content;
  if (!content) {
    return body === undefined || body === null || body === ''
      ? []
      : [`${where}: expected no body, got ${preview(body)}`];
  }
  const mediaTypes = Object.keys(content);
  const mediaType = contentType ? matchMediaType(contentType, mediaTypes) : mediaTypes[0];
  if (!mediaType) {
    return [`${where}: content-type "${contentType}" not documented (${mediaTypes.join(', ')})`];
  }
  let data = body;
  if (isJson(mediaType) && typeof body === 'string') {
    try {
      data = JSON.parse(body);
    } catch {
      return [`${where}: body is not JSON: ${preview(body)}`];
    }
  }
  const schema = content[mediaType]?.schema;
  return schema ? runSchema(schema, data, `${where}: body`) : [];
}

function runSchema(schema: JsonSchema, data: unknown, label: string): string[] {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(absoluteRefs(schema) as JsonSchema);
    compiled.set(key, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((error) => `${label}${describe(error)}`);
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '';
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if ('additionalProperty' in params) detail = ` ("${params.additionalProperty}")`;
  else if ('allowedValues' in params) detail = ` (${JSON.stringify(params.allowedValues)})`;
  else if ('allowedValue' in params) detail = ` (${JSON.stringify(params.allowedValue)})`;
  return `${at} ${error.message ?? 'is invalid'}${detail}`;
}

/** Rewrites local `#/...` refs to point into the registered document. */
function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#')
        ? [key, `${DOCUMENT_ID}${inner}`]
        : [key, absoluteRefs(inner)],
    ),
  );
}

/** Resolves an OpenAPI (non-schema) `$ref` such as `#/components/responses/NotFound`. */
function resolve<T>(value: T | Reference): T {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return value as T;
  const target = resolvePointer(value.$ref);
  if (target === undefined) throw new Error(`Unresolvable $ref ${value.$ref}`);
  return resolve<T>(target as T | Reference);
}

/** The value a local `#/a/b` pointer names in the document, or undefined. */
export function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = openApiDocument;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function matchMediaType(contentType: string, documented: string[]): string | undefined {
  const actual = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    documented.find((type) => type === actual) ??
    documented.find((type) => type.endsWith('/*') && actual.startsWith(type.slice(0, -1))) ??
    documented.find((type) => type === '*/*')
  );
}

const isJson = (mediaType: string) =>
  mediaType === 'application/json' || mediaType.endsWith('+json');

const paramCount = (template: string) => (template.match(/\{/g) ?? []).length;

function templatePattern(template: string): RegExp {
  const body = template
    .split('/')
    .filter(Boolean)
    .map((segment) =>
      /^\{\w+\}$/.test(segment) ? '/[^/]+' : `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
    )
    .join('');
  return new RegExp(`^${body || '/'}$`, 'i');
}

function lowerCaseKeys(headers: Record<string, string | number | boolean | undefined>) {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = String(value);
  }
  return result;
}

function preview(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

export interface RequestUnderTest {
  method: string;
  /** A concrete request path, with or without its query string. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string | undefined>;
  /** A JSON body, parsed (other bodies are not checked). */
  json?: unknown;
}

/** Parameters arrive as text: the document's number and boolean schemas are matched by value. */
const parameterAjv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: true });
addFormats(parameterAjv);

/** Checks one request against the document; `[]` when the document accepts it. */
export function validateRequest(request: RequestUnderTest): string[] {
  const [pathOnly = '/', search = ''] = request.path.split('?');
  const where = `${request.method.toUpperCase()} ${pathOnly}`;
  const match = findOperation(request.method, pathOnly);
  if (!match) return [`${where}: no such operation in the OpenAPI document`];
  const query = { ...Object.fromEntries(new URLSearchParams(search)), ...request.query };
  const headers = lowerCaseKeys(request.headers ?? {});
  const pathValues = pathParameters(match.template, pathOnly);
  const errors: string[] = [];
  for (const parameterOrRef of match.operation.parameters ?? []) {
    const parameter = resolve<ParameterObject>(parameterOrRef);
    const source =
      parameter.in === 'path' ? pathValues : parameter.in === 'query' ? query : headers;
    const key = parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name;
    const value = source[key];
    if (value === undefined) {
      if (parameter.required) errors.push(`${where}: missing ${parameter.in} parameter ${key}`);
      continue;
    }
    const holder = { value };
    const validate = parameterAjv.compile({
      type: 'object',
      properties: { value: parameter.schema },
    });
    if (!validate(holder)) {
      for (const error of validate.errors ?? []) {
        errors.push(`${where}: ${parameter.in} ${key}${describe(error).replace(/^\/value/, '')}`);
      }
    }
  }
  const body = match.operation.requestBody;
  if (body && request.json !== undefined) {
    const schema = body.content['application/json']?.schema;
    if (!schema) errors.push(`${where}: JSON body not documented`);
    else errors.push(...runSchema(schema, request.json, `${where}: body`));
  }
  return errors;
}

function pathParameters(template: string, path: string): Record<string, string> {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const trimmed = (path.length > 1 ? path.replace(/\/$/, '') : path).replace(/^\/api(?=\/|$)/i, '');
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped.replace(/\{\w+\}/g, '([^/]+)')}$`, 'i');
  const values = pattern.exec(trimmed || '/') ?? pattern.exec(path.replace(/\/$/, ''));
  return Object.fromEntries(
    names.map((name, i) => [name, decodeURIComponent(values?.[i + 1] ?? '')]),
  );
}
