/**
 * The API origin's routes, and its OpenAPI document (served at `GET /schema.json`), built from
 * their contracts. The limits quoted in the text come from the settings' declarations.
 */
import { API_GATEWAY_HEADER_BYTES } from '../system/platform.ts';
import { settings } from '../system/settings.ts';
import { recordDeals } from './deals.ts';
import { HeadersTooLarge } from './errors.ts';
import { CORS_EXPOSED_HEADERS, CORS_METHODS, NO_ROUTE_MESSAGE, NOT_CORS_MESSAGE } from './http.ts';
import {
  MAX_BLOCK_BYTES,
  MAX_CID_LENGTH,
  MAX_DIRECTORY_FILES,
  MAX_FILE_LIST_ANSWER_BYTES,
  MAX_META_DEPTH,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
} from './limits.ts';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.ts';
import { opsRoutes } from './ops.ts';
import { publicRoutes } from './public.ts';
import { ErrorEnvelope } from './schema.ts';
import { stagedUploadRoutes } from './staged-uploads.ts';
import { getStats } from './stats.ts';
import { uploadRoutes } from './uploads.ts';

export const apiRoutes = [
  ...publicRoutes,
  getStats,
  ...opsRoutes,
  ...uploadRoutes,
  ...stagedUploadRoutes,
  recordDeals,
] as const;

/** The settings the document quotes: a deployment serves its own values. */
export type DocumentSettings = {
  [N in
    | 'RATE_LIMIT_REQUESTS'
    | 'RATE_LIMIT_WINDOW_SECONDS'
    | 'MAX_INLINE_UPLOAD_BYTES'
    | 'MAX_STAGED_UPLOAD_BYTES'
    | 'STAGED_PART_BYTES']: number;
};

const DEFAULTS: DocumentSettings = {
  RATE_LIMIT_REQUESTS: settings.RATE_LIMIT_REQUESTS.default,
  RATE_LIMIT_WINDOW_SECONDS: settings.RATE_LIMIT_WINDOW_SECONDS.default,
  MAX_INLINE_UPLOAD_BYTES: settings.MAX_INLINE_UPLOAD_BYTES.default,
  MAX_STAGED_UPLOAD_BYTES: settings.MAX_STAGED_UPLOAD_BYTES.default,
  STAGED_PART_BYTES: settings.STAGED_PART_BYTES.default,
};

const describeApi = (d: (name: keyof DocumentSettings) => number) => `
A self-hosted, nft.storage-compatible NFT storage API. Clients written for nft.storage (the JS
client 7.x, curl scripts) work unchanged against it: same routes, bearer tokens, status objects
and error envelopes.

## Routing
- Every route also answers with one trailing slash (\`/upload\` = \`/upload/\`); the nft.storage
  client always calls the slash form. Static path segments match case-insensitively.
- Legacy \`/api\` prefix: every route except \`POST /store\` also answers under \`/api\`
  (\`GET /api/{cid}\`, \`POST /api/upload\`, ...); the paths that do list it as a second server.
- Fixed paths win over \`/{cid}\`: \`GET /foo\` is a CID lookup answered with 400
  \`ERROR_INVALID_CID\`. A path no route matches gets status 404 with the plain-text body
  \`${NO_ROUTE_MESSAGE}\` (not JSON).
- A method this document does not list for a path gets 404 too: \`${NO_ROUTE_MESSAGE}\` for
  \`GET\`, \`POST\`, \`DELETE\` and \`PATCH\`, and API Gateway's \`{"message":"Not Found"}\` for
  methods no route takes (\`PUT\`, \`TRACE\`, ...).
- A request line and headers over ${API_GATEWAY_HEADER_BYTES} bytes together get 431 (API Gateway's limit).

## Envelopes
Success is \`{"ok":true,"value":...}\`, except \`DELETE /{cid}\` (202 \`{"ok":true}\`) and
\`GET /version\` (a bare object). Every error is \`{"ok":false,"error":{"code","message"}}\` with
the HTTP status of the error; JSON responses are \`application/json;charset=UTF-8\`.
Unexpected failures answer 500 \`ERROR_INTERNAL\` and a storage dependency that is down or
throttling answers 503 \`ERROR_SERVICE_UNAVAILABLE\` with \`Retry-After\`; both messages carry the
request id to quote in a bug report. Differences from nft.storage: every CAR validation failure is
400 \`ERROR_INVALID_CAR\` (nft.storage answered some with 500), and \`PATCH /upload/{cid}\`
failures use the error envelope with their real status.

## Authentication
\`Authorization: Bearer <api key>\` on every route except \`GET /check/{cid}\`, \`GET /version\`
and \`GET /schema.json\`. Keys look like \`pst_<token id>_<secret>\`; the token id is the 16
characters \`[a-z2-7]\` after \`pst_\`.

## Limits
- Rate limit: ${d('RATE_LIMIT_REQUESTS')} requests per ${d('RATE_LIMIT_WINDOW_SECONDS')} seconds per API key (\`RATE_LIMIT_REQUESTS\`,
  \`RATE_LIMIT_WINDOW_SECONDS\`); over it, 429 \`ERROR_RATE_LIMITED\` with \`Retry-After\` in
  seconds.
- Inline request body: at most ${d('MAX_INLINE_UPLOAD_BYTES')} bytes (\`MAX_INLINE_UPLOAD_BYTES\`,
  at most 4400000 because API Gateway and Lambda cap the event at 6 MB); larger bodies get 413
  \`ERROR_PAYLOAD_TOO_LARGE\`. Larger content is uploaded as several CAR chunks of one root
  (the nft.storage client's \`maxChunkSize\`), each one \`POST /upload\`, or staged straight to
  S3: \`POST /staged-uploads\` (at most ${d('MAX_STAGED_UPLOAD_BYTES')} bytes per CAR,
  \`MAX_STAGED_UPLOAD_BYTES\`), with one PUT up to ${d('STAGED_PART_BYTES')} bytes
  (\`STAGED_PART_BYTES\`) and as an S3 multipart upload of parts that size above it.
- CAR blocks: at most ${MAX_BLOCK_BYTES} bytes each; CIDs at most ${MAX_CID_LENGTH} characters.
- Directory uploads: at most ${MAX_DIRECTORY_FILES} files, paths of at most ${MAX_PATH_BYTES} bytes
  with segments of at most ${MAX_SEGMENT_BYTES} bytes; a file list of at most
  ${MAX_FILE_LIST_ANSWER_BYTES} bytes as answered. \`/store\` metadata: nested at most ${MAX_META_DEPTH} deep.
- Upload names (\`x-name\`, rename): at most 1024 characters.

## CORS
\`OPTIONS\` on any path with \`Origin\`, \`Access-Control-Request-Method\` and
\`Access-Control-Request-Headers\` is a preflight answered 204; any other \`OPTIONS\` gets 405.
Other responses carry \`Access-Control-Allow-Origin\` (the request's \`Origin\`, or \`*\`) and
expose \`${CORS_EXPOSED_HEADERS}\`.
`;

const requiredHeader = (name: string) => ({
  name,
  in: 'header',
  required: true,
  description: 'Required for a preflight (an empty value counts as missing)',
  schema: { type: 'string', minLength: 1 },
});

/** OPTIONS is answered the same way on every path. */
const preflight = (pathId: string, pathParameters: unknown[]) => ({
  operationId: `preflight${pathId}`,
  summary: 'CORS preflight',
  tags: ['Service'],
  security: [],
  parameters: [
    ...pathParameters,
    requiredHeader('Origin'),
    requiredHeader('Access-Control-Request-Method'),
    requiredHeader('Access-Control-Request-Headers'),
  ],
  responses: {
    '204': {
      description: 'CORS preflight accepted (empty body)',
      headers: {
        'Access-Control-Allow-Origin': {
          description: "The request's Origin",
          required: true,
          schema: { type: 'string', minLength: 1 },
        },
        'Access-Control-Allow-Methods': {
          description: 'Methods the API answers',
          required: true,
          schema: { const: CORS_METHODS },
        },
        'Access-Control-Allow-Headers': {
          description: 'The requested headers, echoed',
          required: true,
          schema: { type: 'string' },
        },
        'Access-Control-Max-Age': {
          description: 'Seconds a preflight may be cached',
          required: true,
          schema: { const: '86400' },
        },
      },
    },
    '405': {
      description: 'OPTIONS without the preflight headers',
      content: { 'text/plain': { schema: { const: NOT_CORS_MESSAGE } } },
    },
  },
});

const documents = new Map<string, OpenApiDocument>();

/**
 * The document for a deployment's settings (the defaults unless given), built on first use
 * (GET /schema.json, tests): limits in its text and schemas are the deployment's own.
 */
export function apiDocument(values: DocumentSettings = DEFAULTS): OpenApiDocument {
  const key = JSON.stringify(values);
  const built = documents.get(key);
  if (built) return built;
  const document = buildOpenApiDocument({
    info: {
      title: 'pinstack',
      version: '1.0.0',
      summary: 'nft.storage-compatible NFT storage on your own AWS account',
      description: describeApi((name) => values[name]).trim(),
    },
    tags: [
      { name: 'NFT storage', description: 'Upload, list, inspect, rename and delete content' },
      { name: 'Service', description: 'Version, this document and CORS' },
    ],
    routes: apiRoutes,
    components: [ErrorEnvelope],
    everyPath: { options: preflight },
    everyOperation: { 431: HeadersTooLarge },
    limits: values,
  });
  documents.set(key, document);
  return document;
}
