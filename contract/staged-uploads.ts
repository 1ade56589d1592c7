/** Staged uploads: a CAR too large for a request goes straight to S3 with a presigned URL. */

import * as z from 'zod/mini';
import { settings } from '../system/settings.ts';
import {
  authenticatedErrors,
  BadRequest,
  PayloadTooLarge,
  StagedUploadNotFound,
} from './errors.ts';
import { route } from './route.ts';
import { Cid, DateTime, described, limitedBy, named, okEnvelope, UploadName } from './schema.ts';

export const STAGED_STATUSES = ['waiting', 'stored', 'failed'] as const;

export const StageRequest = z.strictObject({
  size: described(
    'Exact CAR size in bytes',
    limitedBy('MAX_STAGED_UPLOAD_BYTES', z.int().check(z.positive())),
  ),
  sha256: described(
    'Base64 SHA-256 digest (32 bytes) of the CAR',
    z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 SHA-256 digest (32 bytes) of the CAR'),
      ),
  ),
  name: z.optional(described('Upload name', UploadName)),
});
export type StageRequest = z.infer<typeof StageRequest>;

const StagedFields = {
  id: z.uuid(),
  created: DateTime,
  expires: described('When the upload URL expires', DateTime),
  size: described('Declared CAR size in bytes', z.int().check(z.positive())),
  name: z.optional(UploadName),
};

export const StagedUpload = named(
  'StagedUpload',
  'A staged upload',
  z.object({
    ...StagedFields,
    status: described('`waiting` until the PUT CAR has been processed', z.enum(STAGED_STATUSES)),
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

export const StagedUploadTicket = named(
  'StagedUploadTicket',
  'A new staged upload and where to PUT it',
  z.object({
    ...StagedFields,
    status: z.literal('waiting'),
    upload: described(
      'How to send the CAR',
      z.object({
        url: described('Presigned S3 URL', z.url()),
        method: z.literal('PUT'),
        headers: described(
          'Headers the PUT must carry exactly (the signature covers them)',
          z.record(z.string(), z.string()),
        ),
      }),
    ),
  }),
);

export const stageUpload = route({
  operationId: 'stageUpload',
  method: 'POST',
  path: '/staged-uploads',
  summary: 'Start a staged upload of a large CAR',
  description:
    'For a CAR too large to send inline. Declare its exact size and base64 SHA-256; the ' +
    `answer carries a presigned S3 URL (valid ${settings.STAGED_URL_LIFETIME_SECONDS.default} seconds by default, ` +
    '`STAGED_URL_LIFETIME_SECONDS`) to `PUT` the CAR to, with the headers the PUT must ' +
    'send unchanged. The CAR is then verified and stored like `POST /upload` ' +
    '(`application/car`) in the background; poll `GET /staged-uploads/{id}` for the ' +
    `outcome. A staged CAR takes at most ${settings.MAX_STAGED_UPLOAD_BYTES.default} bytes by default ` +
    '(`MAX_STAGED_UPLOAD_BYTES`); more is 413. Unknown fields are 400.',
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  body: { description: 'What will be uploaded', required: true, json: StageRequest },
  responses: {
    200: {
      description: 'Staged; PUT the CAR to `value.upload.url`',
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

export const getStagedUpload = route({
  operationId: 'getStagedUpload',
  method: 'GET',
  path: '/staged-uploads/{id}',
  summary: 'Outcome of a staged upload',
  description:
    '`waiting` until the CAR arrives and is processed, then `stored` (with the root ' +
    '`cid`; see `GET /{cid}`) or `failed` (with the `error` that `POST /upload` would ' +
    "have answered). Another user's staged upload is 404 like a missing one.",
  tag: 'NFT storage',
  auth: 'bearer',
  legacyAlias: true,
  params: StagedUploadParams,
  responses: {
    200: {
      description: 'The staged upload',
      json: okEnvelope('StagedUploadEnvelope', 'A staged upload', StagedUpload),
    },
    404: StagedUploadNotFound,
    ...authenticatedErrors,
  },
});

export const stagedUploadRoutes = [stageUpload, getStagedUpload] as const;
