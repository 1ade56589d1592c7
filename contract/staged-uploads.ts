/**
 * Staged uploads: a CAR too large for a request goes straight to S3 — with one presigned PUT up
 * to the part size, or as an S3 multipart upload with presigned part URLs above it — and is
 * verified and stored in the background.
 */

import * as z from 'zod/mini';
import {
  S3_MAX_PARTS as MAX_PARTS,
  S3_MIN_PART_BYTES as MIN_PART_BYTES,
} from '../system/platform.ts';
import { settings } from '../system/settings.ts';
import {
  authenticatedErrors,
  BadRequest,
  Conflict,
  PayloadTooLarge,
  StagedUploadNotFound,
} from './errors.ts';
import { FIRST_PART_URLS, MAX_PART_URLS_PER_REQUEST } from './limits.ts';
import { route } from './route.ts';
import { Cid, DateTime, described, limitedBy, named, okEnvelope, UploadName } from './schema.ts';

export const STAGED_STATUSES = ['waiting', 'uploading', 'validating', 'stored', 'failed'] as const;

const Sha256 = (what: string) =>
  described(
    `Base64 SHA-256 digest (32 bytes) of ${what}`,
    z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9+/]{43}=$/, `must be the base64 SHA-256 digest (32 bytes) of ${what}`),
      ),
  );

const PartNumber = described(
  'Part number, from 1',
  z.int().check(z.minimum(1), z.maximum(MAX_PARTS)),
);

export const StageRequest = z.strictObject({
  size: described(
    'Exact CAR size in bytes',
    limitedBy('MAX_STAGED_UPLOAD_BYTES', z.int().check(z.positive())),
  ),
  sha256: z.optional(Sha256('the CAR: the upload fails if the bytes differ')),
  name: z.optional(described('Upload name', UploadName)),
  partSize: z.optional(
    described(
      'Part size of a multipart upload (default and at most `STAGED_PART_BYTES`); a CAR of ' +
        'at most this size is sent with one PUT instead',
      limitedBy('STAGED_PART_BYTES', z.int().check(z.minimum(MIN_PART_BYTES))),
    ),
  ),
  partChecksums: z.optional(
    described(
      "Multipart only: every part URL signs the part's SHA-256, declared when its URL is " +
        'asked for (`POST /staged-uploads/{id}/parts`), and S3 refuses other bytes; the ' +
        'upload then hands out no part URLs up front',
      z.boolean(),
    ),
  ),
});
export type StageRequest = z.infer<typeof StageRequest>;

const Headers = described(
  'Headers the request must carry exactly (the signature covers them)',
  z.record(z.string(), z.string()),
);

export const PartUrl = named(
  'StagedPartUrl',
  'Where to PUT one part of a multipart staged upload',
  z.object({
    partNumber: PartNumber,
    size: described('Exact size of this part in bytes', z.int().check(z.positive())),
    url: described('Presigned S3 URL', z.url()),
    method: z.literal('PUT'),
    headers: Headers,
  }),
);

export const UploadedPart = named(
  'StagedUploadedPart',
  'A part S3 already holds',
  z.object({
    partNumber: PartNumber,
    size: z.int().check(z.nonnegative()),
    etag: described('The ETag S3 gave the part (quotes included)', z.string()),
  }),
);

const StagedFields = {
  id: z.uuid(),
  created: DateTime,
  expires: described(
    'When the upload stops taking bytes: the PUT URL expires, or the multipart upload ends',
    DateTime,
  ),
  size: described('Declared CAR size in bytes', z.int().check(z.positive())),
  name: z.optional(UploadName),
};

const Layout = {
  partSize: described('Size of every part but the last', z.int().check(z.positive())),
  partCount: described('Number of parts', z.int().check(z.positive(), z.maximum(MAX_PARTS))),
};

export const StagedUpload = named(
  'StagedUpload',
  'A staged upload',
  z.object({
    ...StagedFields,
    status: described(
      '`waiting` for the PUT, `uploading` parts until completed, `validating` while the CAR ' +
        'is verified, then `stored` or `failed`',
      z.enum(STAGED_STATUSES),
    ),
    method: described('How the bytes are sent', z.enum(['PUT', 'multipart'])),
    partSize: z.optional(Layout.partSize),
    partCount: z.optional(Layout.partCount),
    parts: z.optional(
      described(
        'Multipart, while `uploading`: the parts S3 already has, by part number (to resume)',
        z.array(UploadedPart),
      ),
    ),
    cid: z.optional(described('Root of the stored upload, once `stored`', Cid)),
    error: z.optional(
      described(
        'Why it `failed`',
        z.object({
          code: z.enum(['HTTP_ERROR', 'ERROR_INVALID_CAR']),
          message: z.string().check(z.minLength(1)),
        }),
      ),
    ),
  }),
);

const SinglePut = z.object({
  method: z.literal('PUT'),
  url: described('Presigned S3 URL', z.url()),
  headers: Headers,
});

const Multipart = z.object({
  method: z.literal('multipart'),
  ...Layout,
  parts: described(
    `URLs of the first parts (at most ${FIRST_PART_URLS}; none with partChecksums); ` +
      'the rest come from `POST /staged-uploads/{id}/parts`',
    z.array(PartUrl),
  ),
});

export const StagedUploadTicket = named(
  'StagedUploadTicket',
  'A new staged upload and where to send it',
  z.object({
    ...StagedFields,
    status: z.enum(['waiting', 'uploading']),
    method: described('How the bytes are sent', z.enum(['PUT', 'multipart'])),
    partSize: z.optional(Layout.partSize),
    partCount: z.optional(Layout.partCount),
    upload: described(
      'How to send the CAR: one PUT (`waiting`), or parts (`uploading`)',
      z.discriminatedUnion('method', [SinglePut, Multipart]),
    ),
  }),
);

export const stageUpload = route({
  operationId: 'stageUpload',
  method: 'POST',
  path: '/staged-uploads',
  summary: 'Start a staged upload of a large CAR',
  description:
    'For a CAR too large to send inline. Declare its exact size (and, optionally, its base64 ' +
    'SHA-256). Up to the part size the answer carries one presigned S3 URL to `PUT` the whole ' +
    'CAR to, with the headers it must send unchanged (status `waiting`); above it, an S3 ' +
    'multipart upload (status `uploading`): `PUT` each part to its URL (the first ' +
    `${FIRST_PART_URLS} come with the answer, more from \`POST /staged-uploads/{id}/parts\`), ` +
    "keep each answer's `ETag`, then `POST /staged-uploads/{id}/complete`. URLs are valid " +
    `${settings.STAGED_URL_LIFETIME_SECONDS.default} seconds by default (\`STAGED_URL_LIFETIME_SECONDS\`); ` +
    'a multipart upload takes parts for a day. The CAR is then verified and stored like ' +
    '`POST /upload` (`application/car`) in the background; poll `GET /staged-uploads/{id}`. ' +
    `A staged CAR takes at most ${settings.MAX_STAGED_UPLOAD_BYTES.default} bytes by default ` +
    '(`MAX_STAGED_UPLOAD_BYTES`); more is 413. Unknown fields are 400.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  body: { description: 'What will be uploaded', required: true, json: StageRequest },
  responses: {
    200: {
      description: 'Staged; send the CAR as `value.upload` says',
      json: okEnvelope('StagedUploadTicketEnvelope', 'A new staged upload', StagedUploadTicket),
    },
    400: BadRequest,
    413: PayloadTooLarge,
    ...authenticatedErrors,
  },
});

export const StagedUploadParams = z.object({
  id: described('The `id` from `POST /staged-uploads`', z.string()),
});

const stagedUploadAnswer = {
  description: 'The staged upload',
  json: okEnvelope('StagedUploadEnvelope', 'A staged upload', StagedUpload),
};

export const getStagedUpload = route({
  operationId: 'getStagedUpload',
  method: 'GET',
  path: '/staged-uploads/{id}',
  summary: 'State of a staged upload',
  description:
    '`waiting` or `uploading` until the CAR is complete in S3 (a multipart upload lists the ' +
    'parts S3 already has, to resume from), `validating` while it is verified, then `stored` ' +
    '(with the root `cid`; see `GET /{cid}`) or `failed` (with the `error` that ' +
    "`POST /upload` would have answered, or why it expired). Another user's staged upload is " +
    '404 like a missing one.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: StagedUploadParams,
  responses: {
    200: stagedUploadAnswer,
    404: StagedUploadNotFound,
    ...authenticatedErrors,
  },
});

export const PartsRequest = z.strictObject({
  parts: described(
    `The parts to sign URLs for (at most ${MAX_PART_URLS_PER_REQUEST}), each with its SHA-256 ` +
      'when the upload was started with `partChecksums`',
    z
      .array(z.strictObject({ partNumber: PartNumber, sha256: z.optional(Sha256('the part')) }))
      .check(z.minLength(1), z.maxLength(MAX_PART_URLS_PER_REQUEST)),
  ),
});

export const signStagedParts = route({
  operationId: 'signStagedParts',
  method: 'POST',
  path: '/staged-uploads/{id}/parts',
  summary: 'URLs for parts of a multipart staged upload',
  description:
    'Presigned URLs for the given part numbers, each valid `STAGED_URL_LIFETIME_SECONDS` ' +
    '(ask again for an expired one). With `partChecksums`, each part must come with its ' +
    'base64 SHA-256, which its URL then signs. 409 when the upload is not `uploading`.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: StagedUploadParams,
  body: { description: 'The parts', required: true, json: PartsRequest },
  responses: {
    200: {
      description: 'The part URLs, in the order asked for',
      json: okEnvelope(
        'StagedPartUrlsEnvelope',
        'Part URLs',
        z.object({ parts: z.array(PartUrl) }),
      ),
    },
    400: BadRequest,
    404: StagedUploadNotFound,
    409: Conflict,
    ...authenticatedErrors,
  },
});

export const CompleteRequest = z.strictObject({
  parts: described(
    'Every part, in order, with the ETag S3 answered its PUT with (and its SHA-256 when the upload uses `partChecksums`)',
    z
      .array(
        z.strictObject({
          partNumber: PartNumber,
          etag: z.string().check(z.minLength(1), z.maxLength(200)),
          sha256: z.optional(Sha256('the part')),
        }),
      )
      .check(z.minLength(1), z.maxLength(MAX_PARTS)),
  ),
});

export const completeStagedUpload = route({
  operationId: 'completeStagedUpload',
  method: 'POST',
  path: '/staged-uploads/{id}/complete',
  summary: 'Complete a multipart staged upload',
  description:
    'Assembles the parts in S3 (S3 checks every ETag and the order) and starts verifying the ' +
    'CAR: the answer is `validating` (or already further). 400 when S3 refuses the parts ' +
    '(the upload stays `uploading`), 409 when the upload is not `uploading`.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: StagedUploadParams,
  body: { description: 'The uploaded parts', required: true, json: CompleteRequest },
  responses: {
    200: stagedUploadAnswer,
    400: BadRequest,
    404: StagedUploadNotFound,
    409: Conflict,
    ...authenticatedErrors,
  },
});

export const abortStagedUpload = route({
  operationId: 'abortStagedUpload',
  method: 'DELETE',
  path: '/staged-uploads/{id}',
  summary: 'Abort a staged upload',
  description:
    'Discards what was sent (the parts, or the PUT object) and marks the upload `failed`. ' +
    'Aborting an aborted upload changes nothing; 409 once it is `validating` or `stored`.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: StagedUploadParams,
  responses: {
    200: stagedUploadAnswer,
    404: StagedUploadNotFound,
    409: Conflict,
    ...authenticatedErrors,
  },
});

export const stagedUploadRoutes = [
  stageUpload,
  getStagedUpload,
  signStagedParts,
  completeStagedUpload,
  abortStagedUpload,
] as const;
