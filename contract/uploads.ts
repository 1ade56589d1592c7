/**
 * The nft.storage upload routes: upload files, directories and CARs; store ERC-1155 metadata;
 * list, inspect, rename and delete the caller's uploads.
 */

import * as z from 'zod/mini';
import { settings } from '../system/settings.ts';
import {
  authenticatedErrors,
  BadRequest,
  BadRequestOrInvalidCid,
  BadUpload,
  InvalidCid,
  NotFound,
  PayloadTooLarge,
} from './errors.ts';
import {
  MAX_BLOCK_BYTES,
  MAX_DIRECTORY_FILES,
  MAX_FILE_LIST_ANSWER_BYTES,
  MAX_PATH_BYTES,
} from './limits.ts';
import { CidParams } from './public.ts';
import { route } from './route.ts';
import { Cid, described, MAX_NAME_LENGTH, named, okEnvelope, UploadName } from './schema.ts';
import { Status } from './status.ts';

/** Largest page `GET /` answers. */
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 10;

const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;

const inlineLimit = `at most ${settings.MAX_INLINE_UPLOAD_BYTES.default} bytes by default (MAX_INLINE_UPLOAD_BYTES)`;

/**
 * What decodeURIComponent takes: `%` only in escapes, and escapes that spell UTF-8 (RFC 3629's
 * byte ranges), so the document tells clients exactly which values decode.
 */
const URI_ENCODED = (() => {
  const hex = '[0-9A-Fa-f]';
  const tail = `%[89ABab]${hex}`;
  const sequences = [
    `%[0-7]${hex}`,
    `%[Cc][2-9A-Fa-f]${tail}`,
    `%[Dd]${hex}${tail}`,
    `%[Ee]0%[ABab]${hex}${tail}`,
    `%[Ee][1-9A-Ca-cEeFf]${tail}${tail}`,
    `%[Ee][Dd]%[89]${hex}${tail}`,
    `%[Ff]0%[9ABab]${hex}${tail}${tail}`,
    `%[Ff][1-3]${tail}${tail}${tail}`,
    `%[Ff]4%8${hex}${tail}${tail}`,
  ];
  return new RegExp(`^(?:[^%]|${sequences.join('|')})*$`);
})();

export const UploadNameHeader = z.object({
  'x-name': z.optional(
    described(
      `Upload name, URI-encoded (encodeURIComponent), at most ${MAX_NAME_LENGTH} characters once decoded`,
      z.string().check(z.regex(URI_ENCODED, 'must be URI-encoded (encodeURIComponent)')),
    ),
  ),
});

export const ListQuery = z.object({
  limit: z._default(
    described(
      'Page size',
      z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_LIST_LIMIT)),
    ),
    DEFAULT_LIST_LIMIT,
  ),
  before: z.optional(
    described(
      'Only uploads created at or before this time (inclusive); default now',
      z.pipe(
        z.iso.datetime({ offset: true }),
        z.transform((value) => new Date(value).toISOString()),
      ),
    ),
  ),
  cursor: z.optional(
    described(
      'Opaque position from a previous page (`X-Next-Cursor`)',
      z.string().check(z.regex(CURSOR)),
    ),
  ),
  name: z.optional(
    described(
      'Only uploads whose name starts with this (case-sensitive)',
      z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH)),
    ),
  ),
  token: z.optional(
    described(
      'Only uploads made with this API key: its token id (`pst_<token id>_...`)',
      z.string().check(z.regex(/^[a-z2-7]{16}$/)),
    ),
  ),
});

const StatusEnvelope = okEnvelope('StatusEnvelope', 'One status object', Status);

export const listUploads = route({
  operationId: 'listUploads',
  method: 'GET',
  path: '/',
  summary: "List the caller's uploads, newest first",
  description:
    'Deleted uploads are left out. Page either the nft.storage way (pass the last ' +
    "item's `created` as the next `before`; the bound is inclusive, so that item repeats) " +
    'or with `cursor` from `X-Next-Cursor` / `Link` (exact, no repeats). An invalid ' +
    'parameter is 400 `HTTP_ERROR` "invalid params: ..."; unknown parameters are ignored.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  query: ListQuery,
  responses: {
    200: {
      description: 'One page of uploads',
      json: okEnvelope(
        'StatusListEnvelope',
        'A page of status objects, newest first',
        z.array(Status).check(z.maxLength(MAX_LIST_LIMIT)),
      ),
      headers: {
        'X-Next-Cursor': {
          description: 'Cursor of the next page; absent on the last page',
          schema: z.string().check(z.regex(CURSOR)),
        },
        Link: {
          description: 'The next page as a relative link; absent on the last page',
          schema: z.string().check(z.regex(/^<\/\?[^>]*cursor=[^>]+>; rel="next"$/)),
        },
      },
    },
    400: BadRequest,
    ...authenticatedErrors,
  },
});

export const getUpload = route({
  operationId: 'getUpload',
  method: 'GET',
  path: '/{cid}',
  summary: "Status of one of the caller's uploads",
  description:
    "Looks up the caller's upload of this root (CIDv0 and CIDv1 of one root are one " +
    'upload); `cid` echoes the CID as requested.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: CidParams,
  responses: {
    200: { description: 'The upload', json: StatusEnvelope },
    400: InvalidCid,
    404: NotFound,
    ...authenticatedErrors,
  },
});

export const deleteUpload = route({
  operationId: 'deleteUpload',
  method: 'DELETE',
  path: '/{cid}',
  summary: "Delete the caller's upload",
  description:
    "Soft delete: the upload disappears from the caller's list and `GET /{cid}`; the " +
    'content stays pinned while other uploads hold it (and for a grace period after the ' +
    'last one goes), so `/check/{cid}` is unaffected. Uploading the same root again ' +
    'restores the upload. A second delete is 404.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: CidParams,
  responses: {
    202: {
      description: 'Deleted',
      json: named('DeleteAccepted', 'Deleted', z.object({ ok: z.literal(true) })),
    },
    400: InvalidCid,
    404: NotFound,
    ...authenticatedErrors,
  },
});

export const upload = route({
  operationId: 'upload',
  method: 'POST',
  path: '/upload',
  summary: 'Upload a file, a directory or a CAR',
  description:
    'The mode follows `Content-Type`: `multipart/form-data` takes every part named ' +
    '`file` (each must be a file; its filename may contain `dir/` paths) and packs them ' +
    'into one UnixFS directory (`type` "directory"); `application/car` stores the CAR as ' +
    'sent, possibly one chunk of a larger DAG with the same single root (`type` ' +
    '"application/car"); any other type is one file packed as UnixFS without a wrapping ' +
    'directory (`type` = the request MIME type). Every CAR block must hash to its CID and ' +
    `be at most ${MAX_BLOCK_BYTES} bytes; the CAR needs exactly one root. A directory takes ` +
    `at most ${MAX_DIRECTORY_FILES} files, paths of at most ${MAX_PATH_BYTES} bytes and a file ` +
    `list of at most ${MAX_FILE_LIST_ANSWER_BYTES} bytes as answered. Uploading a root ` +
    "the caller already has keeps that upload's type and name (unless `x-name` is sent), and " +
    'restores it if deleted.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  headers: UploadNameHeader,
  body: {
    description: `Body of ${inlineLimit}`,
    required: true,
    media: {
      'multipart/form-data': {
        schema: {
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
        encoding: { file: { contentType: '*/*' } },
      },
      'application/car': {
        schema: { type: 'string', contentMediaType: 'application/vnd.ipld.car' },
      },
      '*/*': {
        schema: {
          type: 'string',
          contentMediaType: 'application/octet-stream',
          minLength: 1,
          description: 'The bytes of one file; an empty body is 400 "empty payload"',
        },
      },
    },
  },
  responses: {
    200: { description: 'Stored', json: StatusEnvelope },
    400: BadUpload,
    413: PayloadTooLarge,
    ...authenticatedErrors,
  },
});

export const StoreResult = named(
  'StoreResult',
  'Result of POST /store',
  z.object({
    ipnft: described('Root of the NFT DAG (dag-cbor)', Cid),
    url: described(
      '`ipfs://<ipnft>/metadata.json`',
      z.string().check(z.regex(/^ipfs:\/\/[^/]+\/metadata\.json$/)),
    ),
    data: described(
      'The metadata as sent, with file paths replaced by ipfs:// URLs',
      z.record(z.string(), z.unknown()),
    ),
  }),
);

export const store = route({
  operationId: 'store',
  method: 'POST',
  path: '/store',
  summary: 'Store ERC-1155 style NFT metadata with its files',
  description:
    '`meta` is the metadata JSON; every other part is a file whose field name is a ' +
    '`.`-separated path into `meta` (e.g. `image`, `properties.video`). Each file is ' +
    'packed in its own directory and its path in the metadata becomes ' +
    '`ipfs://<dir cid>/<filename>`. The root is a dag-cbor block linking the metadata and ' +
    'files; the upload is listed with `type` "nft". No `/api` alias.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: false,
  headers: UploadNameHeader,
  body: {
    description: `Body of ${inlineLimit}`,
    required: true,
    media: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['meta'],
          properties: {
            meta: {
              type: 'object',
              description:
                'The metadata: a JSON object, sent as a field holding its JSON text (not a file)',
            },
          },
          additionalProperties: {
            type: 'string',
            contentMediaType: 'application/octet-stream',
            description: 'A file part; its field name is a dot-path into meta',
          },
          description: '`meta` plus file parts',
        },
        encoding: { meta: { contentType: 'application/json' } },
      },
    },
  },
  responses: {
    200: {
      description: 'Stored',
      json: okEnvelope('StoreEnvelope', 'The stored NFT', StoreResult),
    },
    400: BadRequest,
    413: PayloadTooLarge,
    ...authenticatedErrors,
  },
});

export const RenameRequest = z.object({
  name: described('Trimmed; must not be blank', UploadName),
});

export const renameUpload = route({
  operationId: 'renameUpload',
  method: 'PATCH',
  path: '/upload/{cid}',
  summary: "Rename one of the caller's uploads",
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: CidParams,
  body: { description: 'The new name', required: true, json: RenameRequest },
  responses: {
    200: { description: 'Renamed', json: StatusEnvelope },
    400: BadRequestOrInvalidCid,
    404: NotFound,
    413: PayloadTooLarge,
    ...authenticatedErrors,
  },
});

export const uploadRoutes = [
  listUploads,
  getUpload,
  deleteUpload,
  upload,
  store,
  renameUpload,
] as const;
