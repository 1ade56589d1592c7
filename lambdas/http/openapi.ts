/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /schema.json. It describes what the
 * routes really answer (the server, not nft.storage's stale schema.yml). Our own response objects
 * close `additionalProperties`, so the response-validation tests catch a field added or renamed in
 * a route but not here.
 *
 * Kept free of imports: the public function bundles it, and the numbers quoted in descriptions
 * are checked against their source constants by test/unit/openapi.test.ts.
 */

export type JsonSchema = { [keyword: string]: unknown };

export type Reference = { $ref: string };

export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface MediaTypeObject {
  schema: JsonSchema;
  encoding?: Record<string, { contentType: string }>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: {
    description: string;
    required: boolean;
    content: Record<string, MediaTypeObject>;
  };
  responses: Record<string, ResponseObject | Reference>;
}

export const HTTP_METHODS = ['get', 'post', 'patch', 'delete', 'options'] as const;
export type HttpMethodName = (typeof HTTP_METHODS)[number];

export type PathItemObject = {
  summary?: string;
  servers?: { url: string; description: string }[];
} & Partial<Record<HttpMethodName, OperationObject>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; summary: string; description: string };
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItemObject>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    responses: Record<string, ResponseObject>;
  };
}

const JSON_TYPE = 'application/json';
const schemaRef = (name: string): Reference => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });
const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` });

const jsonContent = (schema: JsonSchema) => ({ [JSON_TYPE]: { schema } });

/** A closed object: every listed property required unless named in `optional`. */
function closedObject(
  properties: Record<string, JsonSchema>,
  extra: { description?: string; optional?: string[] } = {},
): JsonSchema {
  const optional = new Set(extra.optional ?? []);
  return {
    type: 'object',
    ...(extra.description ? { description: extra.description } : {}),
    required: Object.keys(properties).filter((name) => !optional.has(name)),
    properties,
    additionalProperties: false,
  };
}

/** `{ok:true,value}`: the success envelope of most routes. */
const okEnvelope = (value: JsonSchema, description: string) =>
  closedObject({ ok: { const: true }, value }, { description });

/** `{ok:false,error:{code,message}}` narrowed to the codes one status can carry. */
function errorEnvelope(codes: string[], description: string, message?: JsonSchema): JsonSchema {
  return closedObject(
    {
      ok: { const: false },
      error: closedObject({
        code: codes.length === 1 ? { const: codes[0] } : { enum: codes },
        message: message ?? { type: 'string', minLength: 1 },
      }),
    },
    { description },
  );
}

const errorResponse = (schemaName: string, description: string): ResponseObject => ({
  description,
  content: jsonContent(schemaRef(schemaName)),
});

const INFO_DESCRIPTION = `
A self-hosted, nft.storage-compatible NFT storage API. Clients written for nft.storage (the JS
client 7.x, curl scripts) work unchanged against it: same routes, bearer tokens, status objects
and error envelopes.

## Routing
- Every route also answers with one trailing slash (\`/upload\` = \`/upload/\`); the nft.storage
  client always calls the slash form. Static path segments match case-insensitively.
- Legacy \`/api\` prefix: \`GET /api\`, \`GET /api/{cid}\`, \`GET /api/check/{cid}\`,
  \`POST /api/upload\`, \`PATCH /api/upload/{cid}\` and \`DELETE /api/{cid}\` are aliases of the
  routes without the prefix (the paths list them as a second server, \`/api\`). There is no
  \`/api/store\`, \`/api/version\` or \`/api/schema.json\`.
- Fixed paths win over \`/{cid}\`: \`GET /foo\` is a CID lookup answered with 400
  \`ERROR_INVALID_CID\`. A path no route matches gets status 404 with the plain-text body
  \`not found\` (not JSON).

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
- Rate limit: 30 requests per 10 seconds per API key by default (\`RATE_LIMIT_REQUESTS\`,
  \`RATE_LIMIT_WINDOW_SECONDS\`); over it, 429 \`ERROR_RATE_LIMITED\` with \`Retry-After\` in
  seconds.
- Inline request body: at most 4 MiB (4194304 bytes) by default (\`MAX_INLINE_UPLOAD_BYTES\`,
  at most 4400000 because API Gateway and Lambda cap the event at 6 MB); larger bodies get 413
  \`ERROR_PAYLOAD_TOO_LARGE\`. Larger content is uploaded as several CAR chunks of one root
  (the nft.storage client's \`maxChunkSize\`), each one \`POST /upload\`, or staged straight to
  S3: \`POST /staged-uploads\` (at most 512 MiB (536870912 bytes) per CAR by default,
  \`MAX_STAGED_UPLOAD_BYTES\`).
- CAR blocks: at most 2 MiB (2097152 bytes) each.
- Upload names (\`x-name\`, rename): at most 1024 characters.
- Bodies over API Gateway's own 10 MB limit, and requests over its 29 s timeout, are answered by
  API Gateway itself (\`{"message":...}\`), not by this API.

## CORS
\`OPTIONS\` on any path with \`Origin\`, \`Access-Control-Request-Method\` and
\`Access-Control-Request-Headers\` is a preflight answered 204; any other \`OPTIONS\` gets 405.
Other responses carry \`Access-Control-Allow-Origin\` (the request's \`Origin\`, or \`*\`) and
expose \`Link\`, \`Retry-After\` and \`X-Next-Cursor\`.
`.trim();

/** Preflight for one path; OPTIONS is answered the same way on every path. */
function preflight(operationSuffix: string): OperationObject {
  return {
    operationId: `preflight${operationSuffix}`,
    summary: 'CORS preflight',
    tags: ['Service'],
    security: [],
    parameters: [
      parameterRef('OriginHeader'),
      parameterRef('AccessControlRequestMethod'),
      parameterRef('AccessControlRequestHeaders'),
    ],
    responses: { '204': responseRef('Preflight'), '405': responseRef('NotCorsRequest') },
  };
}

const BOTH_PREFIXES = [
  { url: '/', description: 'This API' },
  { url: '/api', description: 'Legacy nft.storage prefix (alias)' },
];

const AUTHENTICATED_ERRORS = {
  '401': responseRef('Unauthorized'),
  '429': responseRef('RateLimited'),
  '500': responseRef('InternalError'),
  '503': responseRef('ServiceUnavailable'),
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  info: {
    title: 'pinstack',
    version: '1.0.0',
    summary: 'nft.storage-compatible NFT storage on your own AWS account',
    description: INFO_DESCRIPTION,
  },
  servers: [{ url: '/', description: 'This API' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'NFT storage', description: 'Upload, list, inspect, rename and delete content' },
    { name: 'Service', description: 'Version, this document and CORS' },
  ],
  paths: {
    '/version': {
      get: {
        operationId: 'getVersion',
        summary: 'Version of the running API',
        description: 'A bare object, not wrapped in the `{ok,value}` envelope.',
        tags: ['Service'],
        security: [],
        responses: {
          '200': { description: 'Version', content: jsonContent(schemaRef('Version')) },
          '500': responseRef('InternalError'),
        },
      },
      options: preflight('Version'),
    },
    '/schema.json': {
      get: {
        operationId: 'getSchema',
        summary: 'This OpenAPI document',
        tags: ['Service'],
        security: [],
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document',
            content: jsonContent(schemaRef('OpenApiDocument')),
          },
          '500': responseRef('InternalError'),
        },
      },
      options: preflight('Schema'),
    },
    '/check/{cid}': {
      servers: BOTH_PREFIXES,
      get: {
        operationId: 'checkContent',
        summary: 'Pin status of content stored by anyone',
        description:
          'Public. Answers for content uploaded by any user, in either CID version. `cid` echoes ' +
          'the CID as requested; `pin.cid` is the CIDv1. Not rate limited.',
        tags: ['NFT storage'],
        security: [],
        parameters: [parameterRef('Cid')],
        responses: {
          '200': { description: 'Stored', content: jsonContent(schemaRef('CheckEnvelope')) },
          '400': responseRef('InvalidCid'),
          '404': responseRef('NotFound'),
          '500': responseRef('InternalError'),
          '503': responseRef('ServiceUnavailable'),
        },
      },
      options: preflight('Check'),
    },
    '/': {
      servers: BOTH_PREFIXES,
      get: {
        operationId: 'listUploads',
        summary: "List the caller's uploads, newest first",
        description:
          'Deleted uploads are left out. Page either the nft.storage way (pass the last ' +
          "item's `created` as the next `before`; the bound is inclusive, so that item repeats) " +
          'or with `cursor` from `X-Next-Cursor` / `Link` (exact, no repeats). An invalid ' +
          'parameter is 400 `HTTP_ERROR` "invalid params: ..."; unknown parameters are ignored.',
        tags: ['NFT storage'],
        parameters: [
          parameterRef('Limit'),
          parameterRef('Before'),
          parameterRef('Cursor'),
          parameterRef('NamePrefix'),
          parameterRef('TokenFilter'),
        ],
        responses: {
          '200': {
            description: 'One page of uploads',
            headers: { 'X-Next-Cursor': headerRef('NextCursor'), Link: headerRef('NextLink') },
            content: jsonContent(schemaRef('StatusListEnvelope')),
          },
          '400': responseRef('BadRequest'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('Root'),
    },
    '/{cid}': {
      servers: BOTH_PREFIXES,
      get: {
        operationId: 'getUpload',
        summary: "Status of one of the caller's uploads",
        description:
          "Looks up the caller's upload of this root (CIDv0 and CIDv1 of one root are one " +
          'upload); `cid` echoes the CID as requested.',
        tags: ['NFT storage'],
        parameters: [parameterRef('Cid')],
        responses: {
          '200': { description: 'The upload', content: jsonContent(schemaRef('StatusEnvelope')) },
          '400': responseRef('InvalidCid'),
          '404': responseRef('NotFound'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      delete: {
        operationId: 'deleteUpload',
        summary: "Delete the caller's upload",
        description:
          "Soft delete: the upload disappears from the caller's list and `GET /{cid}`; the " +
          'content stays pinned while other uploads hold it (and for a grace period after the ' +
          'last one goes), so `/check/{cid}` is unaffected. Uploading the same root again ' +
          'restores the upload. A second delete is 404.',
        tags: ['NFT storage'],
        parameters: [parameterRef('Cid')],
        responses: {
          '202': { description: 'Deleted', content: jsonContent(schemaRef('DeleteAccepted')) },
          '400': responseRef('InvalidCid'),
          '404': responseRef('NotFound'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('Cid'),
    },
    '/upload': {
      servers: BOTH_PREFIXES,
      post: {
        operationId: 'upload',
        summary: 'Upload a file, a directory or a CAR',
        description:
          'The mode follows `Content-Type`: `multipart/form-data` takes every part named ' +
          '`file` (each must be a file; its filename may contain `dir/` paths) and packs them ' +
          'into one UnixFS directory (`type` "directory"); `application/car` stores the CAR as ' +
          'sent, possibly one chunk of a larger DAG with the same single root (`type` ' +
          '"application/car"); any other type is one file packed as UnixFS without a wrapping ' +
          'directory (`type` = the request MIME type). Every CAR block must hash to its CID and ' +
          'be at most 2 MiB (2097152 bytes); the CAR needs exactly one root. Uploading a root ' +
          "the caller already has updates that upload's name and type (and restores it if " +
          'deleted).',
        tags: ['NFT storage'],
        parameters: [parameterRef('UploadName')],
        requestBody: {
          description: 'Body of at most 4 MiB by default (MAX_INLINE_UPLOAD_BYTES)',
          required: true,
          content: {
            'multipart/form-data': {
              schema: schemaRef('DirectoryForm'),
              encoding: { file: { contentType: '*/*' } },
            },
            'application/car': {
              schema: { type: 'string', contentMediaType: 'application/vnd.ipld.car' },
            },
            '*/*': {
              schema: {
                type: 'string',
                contentMediaType: 'application/octet-stream',
                description: 'The bytes of one file; an empty body is 400 "empty payload"',
              },
            },
          },
        },
        responses: {
          '200': { description: 'Stored', content: jsonContent(schemaRef('StatusEnvelope')) },
          '400': responseRef('BadUpload'),
          '413': responseRef('PayloadTooLarge'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('Upload'),
    },
    '/upload/{cid}': {
      servers: BOTH_PREFIXES,
      patch: {
        operationId: 'renameUpload',
        summary: "Rename one of the caller's uploads",
        tags: ['NFT storage'],
        parameters: [parameterRef('Cid')],
        requestBody: {
          description: 'The new name',
          required: true,
          content: jsonContent(schemaRef('RenameRequest')),
        },
        responses: {
          '200': { description: 'Renamed', content: jsonContent(schemaRef('StatusEnvelope')) },
          '400': responseRef('BadRequestOrInvalidCid'),
          '404': responseRef('NotFound'),
          '413': responseRef('PayloadTooLarge'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('UploadCid'),
    },
    '/staged-uploads': {
      post: {
        operationId: 'stageUpload',
        summary: 'Start a staged upload of a large CAR',
        description:
          'For a CAR too large to send inline. Declare its exact size and base64 SHA-256; the ' +
          'answer carries a presigned S3 URL (valid 3600 seconds by default, ' +
          '`STAGED_URL_LIFETIME_SECONDS`) to `PUT` the CAR to, with the headers the PUT must ' +
          'send unchanged. The CAR is then verified and stored like `POST /upload` ' +
          '(`application/car`) in the background; poll `GET /staged-uploads/{id}` for the ' +
          'outcome. A staged CAR takes at most 512 MiB (536870912 bytes) by default ' +
          '(`MAX_STAGED_UPLOAD_BYTES`); more is 413. No `/api` alias.',
        tags: ['NFT storage'],
        requestBody: {
          description: 'What will be uploaded',
          required: true,
          content: jsonContent(schemaRef('StageRequest')),
        },
        responses: {
          '200': {
            description: 'Staged; PUT the CAR to `value.upload.url`',
            content: jsonContent(schemaRef('StagedUploadTicketEnvelope')),
          },
          '400': responseRef('BadRequest'),
          '413': responseRef('PayloadTooLarge'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('StagedUploads'),
    },
    '/staged-uploads/{id}': {
      get: {
        operationId: 'getStagedUpload',
        summary: 'Outcome of a staged upload',
        description:
          '`waiting` until the CAR arrives and is processed, then `stored` (with the root ' +
          '`cid`; see `GET /{cid}`) or `failed` (with the `error` that `POST /upload` would ' +
          "have answered). Another user's staged upload is 404 like a missing one.",
        tags: ['NFT storage'],
        parameters: [parameterRef('StagedUploadId')],
        responses: {
          '200': {
            description: 'The staged upload',
            content: jsonContent(schemaRef('StagedUploadEnvelope')),
          },
          '404': responseRef('StagedUploadNotFound'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('StagedUpload'),
    },
    '/store': {
      post: {
        operationId: 'store',
        summary: 'Store ERC-1155 style NFT metadata with its files',
        description:
          '`meta` is the metadata JSON; every other part is a file whose field name is a ' +
          '`.`-separated path into `meta` (e.g. `image`, `properties.video`). Each file is ' +
          'packed in its own directory and its path in the metadata becomes ' +
          '`ipfs://<dir cid>/<filename>`. The root is a dag-cbor block linking the metadata and ' +
          'files; the upload is listed with `type` "nft". No `/api` alias.',
        tags: ['NFT storage'],
        parameters: [parameterRef('UploadName')],
        requestBody: {
          description: 'Body of at most 4 MiB by default (MAX_INLINE_UPLOAD_BYTES)',
          required: true,
          content: {
            'multipart/form-data': {
              schema: schemaRef('StoreForm'),
              encoding: { meta: { contentType: JSON_TYPE } },
            },
          },
        },
        responses: {
          '200': { description: 'Stored', content: jsonContent(schemaRef('StoreEnvelope')) },
          '400': responseRef('BadRequest'),
          '413': responseRef('PayloadTooLarge'),
          ...AUTHENTICATED_ERRORS,
        },
      },
      options: preflight('Store'),
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'pst_<token id>_<secret>',
        description: 'An API key created with the pinstack CLI',
      },
    },
    schemas: {
      Cid: {
        type: 'string',
        minLength: 1,
        description: 'A CID string (CIDv0 `Qm...` or CIDv1, e.g. base32 `bafy...`)',
      },
      DateTime: { type: 'string', format: 'date-time', description: 'ISO 8601 with offset' },
      PinStatus: {
        enum: ['queued', 'pinning', 'pinned', 'failed'],
        description:
          '`pinned` once the whole DAG is stored; `pinning` while a partial (chunked) DAG is ' +
          'incomplete; `queued` before processing; `failed` when pinning gave up',
      },
      Pin: closedObject(
        {
          cid: { ...schemaRef('Cid'), description: 'The content root as CIDv1' },
          created: {
            ...schemaRef('DateTime'),
            description: 'When anyone first stored this content',
          },
          size: { type: 'integer', minimum: 0, description: 'DAG size in bytes, 0 if unknown' },
          status: schemaRef('PinStatus'),
        },
        { description: 'The pin of the content, shared by every upload of it' },
      ),
      Deal: closedObject(
        {
          status: {
            enum: [
              'queued',
              'proposing',
              'accepted',
              'failed',
              'active',
              'published',
              'terminated',
            ],
          },
          lastChanged: schemaRef('DateTime'),
          chainDealID: { type: 'integer' },
          datamodelSelector: { type: 'string' },
          statusText: { type: 'string' },
          dealActivation: schemaRef('DateTime'),
          dealExpiration: schemaRef('DateTime'),
          miner: { type: 'string' },
          pieceCid: { type: 'string' },
          batchRootCid: { type: 'string' },
        },
        {
          description: 'A Filecoin deal (nft.storage shape). pinstack makes no deals.',
          optional: [
            'lastChanged',
            'chainDealID',
            'datamodelSelector',
            'statusText',
            'dealActivation',
            'dealExpiration',
            'miner',
            'pieceCid',
            'batchRootCid',
          ],
        },
      ),
      Deals: {
        type: 'array',
        items: schemaRef('Deal'),
        description: 'Always empty: pinstack stores on S3 and makes no Filecoin deals',
      },
      File: closedObject(
        {
          name: { type: 'string', description: 'Path inside the directory' },
          type: { type: 'string', description: 'MIME type of the part ("" if none)' },
        },
        { description: 'One file of a multipart upload' },
      ),
      Status: closedObject(
        {
          cid: { ...schemaRef('Cid'), description: 'The root CID as the caller supplied it' },
          created: { ...schemaRef('DateTime'), description: 'When the upload was created' },
          type: {
            type: 'string',
            description:
              '"nft" (/store), "directory" (multipart), "application/car", or the MIME type ' +
              'of a raw upload ("" if none)',
          },
          scope: { type: 'string', description: 'Name of the API key that made the upload' },
          files: { type: 'array', items: schemaRef('File'), description: '[] unless multipart' },
          size: { type: 'integer', minimum: 0, description: 'DAG size in bytes, 0 if unknown' },
          name: {
            type: 'string',
            description: 'x-name header or rename; default "Upload at <ISO time>"',
          },
          pin: schemaRef('Pin'),
          deals: schemaRef('Deals'),
        },
        { description: 'The nft.storage status ("NFT") object of one upload' },
      ),
      CheckResult: closedObject(
        {
          cid: { ...schemaRef('Cid'), description: 'The CID as requested' },
          pin: schemaRef('Pin'),
          deals: schemaRef('Deals'),
        },
        { description: 'What is known about content, whoever uploaded it' },
      ),
      StoreResult: closedObject(
        {
          ipnft: { ...schemaRef('Cid'), description: 'Root of the NFT DAG (dag-cbor)' },
          url: {
            type: 'string',
            pattern: '^ipfs://[^/]+/metadata\\.json$',
            description: '`ipfs://<ipnft>/metadata.json`',
          },
          data: {
            type: 'object',
            description: 'The metadata as sent, with file paths replaced by ipfs:// URLs',
          },
        },
        { description: 'Result of POST /store' },
      ),
      Version: closedObject(
        {
          version: { type: 'string', minLength: 1 },
          commit: { type: 'string', minLength: 1 },
          mode: {
            enum: ['rw', 'r-', '--'],
            description: 'Maintenance mode; pinstack is always "rw"',
          },
        },
        { description: 'The running version' },
      ),
      OpenApiDocument: {
        type: 'object',
        required: ['openapi', 'info', 'paths', 'components'],
        properties: {
          openapi: { const: '3.1.0' },
          info: { type: 'object' },
          paths: { type: 'object' },
          components: { type: 'object' },
        },
        description: 'This document',
      },
      StagedUpload: closedObject(
        {
          id: { type: 'string', format: 'uuid' },
          status: {
            enum: ['waiting', 'stored', 'failed'],
            description: '`waiting` until the PUT CAR has been processed',
          },
          created: schemaRef('DateTime'),
          expires: { ...schemaRef('DateTime'), description: 'When the upload URL expires' },
          size: { type: 'integer', minimum: 1, description: 'Declared CAR size in bytes' },
          name: { type: 'string', minLength: 1, maxLength: 1024 },
          cid: { ...schemaRef('Cid'), description: 'Root of the stored upload, once `stored`' },
          error: {
            ...closedObject({
              code: { enum: ['HTTP_ERROR', 'ERROR_INVALID_CAR'] },
              message: { type: 'string', minLength: 1 },
            }),
            description: 'Why it `failed`',
          },
        },
        { description: 'A staged upload', optional: ['name', 'cid', 'error'] },
      ),
      StagedUploadTicket: closedObject(
        {
          id: { type: 'string', format: 'uuid' },
          status: { const: 'waiting' },
          created: schemaRef('DateTime'),
          expires: { ...schemaRef('DateTime'), description: 'When `upload.url` expires' },
          size: { type: 'integer', minimum: 1 },
          name: { type: 'string', minLength: 1, maxLength: 1024 },
          upload: closedObject(
            {
              url: { type: 'string', format: 'uri', description: 'Presigned S3 URL' },
              method: { const: 'PUT' },
              headers: {
                type: 'object',
                additionalProperties: { type: 'string' },
                description: 'Headers the PUT must carry exactly (the signature covers them)',
              },
            },
            { description: 'How to send the CAR' },
          ),
        },
        { description: 'A new staged upload and where to PUT it', optional: ['name'] },
      ),
      StatusEnvelope: okEnvelope(schemaRef('Status'), 'One status object'),
      StatusListEnvelope: okEnvelope(
        { type: 'array', items: schemaRef('Status'), maxItems: 1000 },
        'A page of status objects, newest first',
      ),
      CheckEnvelope: okEnvelope(schemaRef('CheckResult'), 'Content status'),
      StoreEnvelope: okEnvelope(schemaRef('StoreResult'), 'The stored NFT'),
      StagedUploadEnvelope: okEnvelope(schemaRef('StagedUpload'), 'A staged upload'),
      StagedUploadTicketEnvelope: okEnvelope(
        schemaRef('StagedUploadTicket'),
        'A new staged upload',
      ),
      DeleteAccepted: closedObject({ ok: { const: true } }, { description: 'Deleted' }),
      ErrorCode: {
        enum: [
          'HTTP_ERROR',
          'ERROR_INVALID_CID',
          'ERROR_INVALID_CAR',
          'EXPECTED_BEARER_STRING',
          'ERROR_MALFORMED_TOKEN',
          'ERROR_TOKEN_NOT_FOUND',
          'ERROR_USER_NOT_FOUND',
          'ERROR_PAYLOAD_TOO_LARGE',
          'ERROR_RATE_LIMITED',
          'ERROR_INTERNAL',
          'ERROR_SERVICE_UNAVAILABLE',
        ],
        description: 'Every error code this API answers with',
      },
      Error: closedObject(
        {
          ok: { const: false },
          error: closedObject({
            code: schemaRef('ErrorCode'),
            message: { type: 'string', minLength: 1 },
          }),
        },
        { description: 'The error envelope; the *Error schemas narrow `code` per status' },
      ),
      BadRequestError: errorEnvelope(['HTTP_ERROR'], 'Invalid request (message says why)'),
      InvalidCidError: errorEnvelope(['ERROR_INVALID_CID'], '"Invalid CID: <cid>"', {
        type: 'string',
        pattern: '^Invalid CID: ',
      }),
      BadRequestOrInvalidCidError: errorEnvelope(
        ['HTTP_ERROR', 'ERROR_INVALID_CID'],
        'Invalid request or CID',
      ),
      BadUploadError: errorEnvelope(
        ['HTTP_ERROR', 'ERROR_INVALID_CAR'],
        'Invalid request ("empty payload", multipart problems) or CAR ("Invalid CAR file ' +
          'received: <reason>")',
      ),
      UnauthorizedError: errorEnvelope(
        [
          'EXPECTED_BEARER_STRING',
          'ERROR_MALFORMED_TOKEN',
          'ERROR_TOKEN_NOT_FOUND',
          'ERROR_USER_NOT_FOUND',
        ],
        'Missing, malformed, unknown or revoked API key, or its user is gone',
      ),
      NotFoundError: errorEnvelope(['HTTP_ERROR'], 'Unknown or deleted upload', {
        const: 'NFT not found',
      }),
      StagedUploadNotFoundError: errorEnvelope(['HTTP_ERROR'], 'Unknown staged upload', {
        const: 'Staged upload not found',
      }),
      PayloadTooLargeError: errorEnvelope(
        ['ERROR_PAYLOAD_TOO_LARGE'],
        'Body over MAX_INLINE_UPLOAD_BYTES; the message explains chunked CAR uploads',
      ),
      RateLimitedError: errorEnvelope(['ERROR_RATE_LIMITED'], 'Too many requests for this key', {
        const: 'You are being rate limited',
      }),
      InternalError: errorEnvelope(['ERROR_INTERNAL'], 'Unexpected failure; quotes the request id'),
      ServiceUnavailableError: errorEnvelope(
        ['ERROR_SERVICE_UNAVAILABLE'],
        'A storage dependency is down or throttling; retry after Retry-After seconds',
      ),
      DirectoryForm: {
        type: 'object',
        required: ['file'],
        properties: {
          file: {
            type: 'array',
            minItems: 1,
            items: { type: 'string', contentMediaType: 'application/octet-stream' },
            description: 'One part per file, each with a filename; other fields are ignored',
          },
        },
        description: 'Files packed into one directory',
      },
      StoreForm: {
        type: 'object',
        required: ['meta'],
        properties: {
          meta: {
            type: 'string',
            contentMediaType: JSON_TYPE,
            description: 'The metadata JSON (a string field, not a file)',
          },
        },
        additionalProperties: {
          type: 'string',
          contentMediaType: 'application/octet-stream',
          description: 'A file part; its field name is a dot-path into meta',
        },
        description: '`meta` plus file parts',
      },
      // Closed: the route rejects unknown fields with 400.
      StageRequest: {
        type: 'object',
        required: ['size', 'sha256'],
        properties: {
          size: { type: 'integer', minimum: 1, description: 'Exact CAR size in bytes' },
          sha256: {
            type: 'string',
            contentEncoding: 'base64',
            description: 'Base64 SHA-256 digest (32 bytes) of the CAR',
          },
          name: { type: 'string', minLength: 1, maxLength: 1024, description: 'Upload name' },
        },
        additionalProperties: false,
      },
      // Requests stay open: the server ignores unknown fields, so the schema must not claim otherwise.
      RenameRequest: {
        type: 'object',
        required: ['name'],
        properties: {
          name: {
            type: 'string',
            minLength: 1,
            maxLength: 1024,
            description: 'Trimmed; must not be blank',
          },
        },
      },
    },
    parameters: {
      Cid: {
        name: 'cid',
        in: 'path',
        required: true,
        description: 'Root CID (v0 or v1); anything else is 400 ERROR_INVALID_CID',
        schema: { type: 'string' },
      },
      StagedUploadId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The `id` from `POST /staged-uploads`',
        schema: { type: 'string' },
      },
      UploadName: {
        name: 'x-name',
        in: 'header',
        description:
          'Upload name, URI-encoded (encodeURIComponent), at most 1024 characters once decoded',
        schema: { type: 'string' },
      },
      Limit: {
        name: 'limit',
        in: 'query',
        description: 'Page size',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
      },
      Before: {
        name: 'before',
        in: 'query',
        description: 'Only uploads created at or before this time (inclusive); default now',
        schema: { type: 'string', format: 'date-time' },
      },
      Cursor: {
        name: 'cursor',
        in: 'query',
        description: 'Opaque position from a previous page (`X-Next-Cursor`)',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
      },
      NamePrefix: {
        name: 'name',
        in: 'query',
        description: 'Only uploads whose name starts with this (case-sensitive)',
        schema: { type: 'string', minLength: 1, maxLength: 1024 },
      },
      TokenFilter: {
        name: 'token',
        in: 'query',
        description: 'Only uploads made with this API key: its token id (`pst_<token id>_...`)',
        schema: { type: 'string', pattern: '^[a-z2-7]{16}$' },
      },
      OriginHeader: {
        name: 'Origin',
        in: 'header',
        required: true,
        description: 'Required for a preflight',
        schema: { type: 'string' },
      },
      AccessControlRequestMethod: {
        name: 'Access-Control-Request-Method',
        in: 'header',
        required: true,
        description: 'Required for a preflight',
        schema: { type: 'string' },
      },
      AccessControlRequestHeaders: {
        name: 'Access-Control-Request-Headers',
        in: 'header',
        required: true,
        description: 'Required for a preflight; echoed as allowed',
        schema: { type: 'string' },
      },
    },
    headers: {
      RetryAfter: {
        description: 'Seconds to wait before retrying',
        required: true,
        schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
      },
      NextCursor: {
        description: 'Cursor of the next page; absent on the last page',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
      },
      NextLink: {
        description: 'The next page as a relative link; absent on the last page',
        schema: { type: 'string', pattern: '^</\\?[^>]*cursor=[^>]+>; rel="next"$' },
      },
      AllowOrigin: {
        description: "The request's Origin",
        required: true,
        schema: { type: 'string', minLength: 1 },
      },
      AllowMethods: {
        description: 'Methods the API answers',
        required: true,
        schema: { const: 'GET,POST,DELETE,PATCH,OPTIONS' },
      },
      AllowHeaders: {
        description: 'The requested headers, echoed',
        required: true,
        schema: { type: 'string' },
      },
      MaxAge: {
        description: 'Seconds a preflight may be cached',
        required: true,
        schema: { const: '86400' },
      },
    },
    responses: {
      BadRequest: errorResponse('BadRequestError', 'Invalid request'),
      InvalidCid: errorResponse('InvalidCidError', 'Not a CID'),
      BadRequestOrInvalidCid: errorResponse('BadRequestOrInvalidCidError', 'Invalid request'),
      BadUpload: errorResponse('BadUploadError', 'Invalid request or CAR'),
      Unauthorized: errorResponse('UnauthorizedError', 'No valid API key'),
      NotFound: errorResponse('NotFoundError', 'NFT not found'),
      StagedUploadNotFound: errorResponse('StagedUploadNotFoundError', 'Staged upload not found'),
      PayloadTooLarge: errorResponse('PayloadTooLargeError', 'Body too large to take inline'),
      RateLimited: {
        description: 'Rate limited (30 requests per 10 s per key by default)',
        headers: { 'Retry-After': headerRef('RetryAfter') },
        content: jsonContent(schemaRef('RateLimitedError')),
      },
      InternalError: errorResponse('InternalError', 'Unexpected failure'),
      ServiceUnavailable: {
        description: 'A storage dependency is unavailable',
        headers: { 'Retry-After': headerRef('RetryAfter') },
        content: jsonContent(schemaRef('ServiceUnavailableError')),
      },
      Preflight: {
        description: 'CORS preflight accepted (empty body)',
        headers: {
          'Access-Control-Allow-Origin': headerRef('AllowOrigin'),
          'Access-Control-Allow-Methods': headerRef('AllowMethods'),
          'Access-Control-Allow-Headers': headerRef('AllowHeaders'),
          'Access-Control-Max-Age': headerRef('MaxAge'),
        },
      },
      NotCorsRequest: {
        description: 'OPTIONS without the preflight headers',
        content: {
          'text/plain': {
            schema: { const: 'Non CORS options request not allowed' },
          },
        },
      },
    },
  },
};
