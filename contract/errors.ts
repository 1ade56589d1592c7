/**
 * The error responses of the nft.storage-shaped routes, each narrowed to the codes its status
 * may carry. Routes list the ones they can answer; the HTTP edge's failure table must agree
 * (test/unit/contract.test.ts checks every failure it maps against these).
 */

import * as z from 'zod/mini';
import { API_GATEWAY_HEADER_BYTES } from '../system/platform.ts';
import type { HeaderSpec, ResponseSpec } from './route.ts';
import { errorEnvelope } from './schema.ts';

export const RetryAfter: HeaderSpec = {
  description: 'Seconds to wait before retrying',
  required: true,
  schema: z.string().check(z.regex(/^[1-9][0-9]*$/)),
};

export const error = (
  description: string,
  json: z.ZodMiniType,
  headers?: ResponseSpec['headers'],
) => ({ description, json, ...(headers ? { headers } : {}) }) satisfies ResponseSpec;

export const BadRequest = error(
  'Invalid request',
  errorEnvelope('BadRequestError', 'Invalid request (message says why)', ['HTTP_ERROR']),
);

export const InvalidCid = error(
  'Not a CID',
  errorEnvelope(
    'InvalidCidError',
    '"Invalid CID: <cid>"',
    ['ERROR_INVALID_CID'],
    z.string().check(z.regex(/^Invalid CID: /)),
  ),
);

export const BadRequestOrInvalidCid = error(
  'Invalid request',
  errorEnvelope('BadRequestOrInvalidCidError', 'Invalid request or CID', [
    'HTTP_ERROR',
    'ERROR_INVALID_CID',
  ]),
);

export const BadUpload = error(
  'Invalid request or CAR',
  errorEnvelope(
    'BadUploadError',
    'Invalid request ("empty payload", multipart problems) or CAR ("Invalid CAR file ' +
      'received: <reason>")',
    ['HTTP_ERROR', 'ERROR_INVALID_CAR'],
  ),
);

export const Unauthorized = error(
  'No valid API key',
  errorEnvelope(
    'UnauthorizedError',
    'Missing, malformed, unknown or revoked API key, or its user is gone',
    [
      'EXPECTED_BEARER_STRING',
      'ERROR_MALFORMED_TOKEN',
      'ERROR_TOKEN_NOT_FOUND',
      'ERROR_USER_NOT_FOUND',
    ],
  ),
);

export const NotFound = error(
  'NFT not found',
  errorEnvelope(
    'NotFoundError',
    'Unknown or deleted upload',
    ['HTTP_ERROR'],
    z.literal('NFT not found'),
  ),
);

export const StagedUploadNotFound = error(
  'Staged upload not found',
  errorEnvelope(
    'StagedUploadNotFoundError',
    'Unknown staged upload',
    ['HTTP_ERROR'],
    z.literal('Staged upload not found'),
  ),
);

export const Conflict = error(
  'Not possible in the current state',
  errorEnvelope(
    'ConflictError',
    "The staged upload's state does not allow it (the message says why)",
    ['HTTP_ERROR'],
  ),
);

/** Answered before any route: API Gateway's limit on the request line and headers. */
export const HeadersTooLarge = error(
  'Request line and headers too large',
  errorEnvelope(
    'HeadersTooLargeError',
    `Request line and headers over ${API_GATEWAY_HEADER_BYTES} bytes together`,
    ['HTTP_ERROR'],
  ),
);

export const PayloadTooLarge = error(
  'Body too large to take inline',
  errorEnvelope(
    'PayloadTooLargeError',
    'Body over MAX_INLINE_UPLOAD_BYTES; the message names the limit and the ways around it',
    ['ERROR_PAYLOAD_TOO_LARGE'],
  ),
);

export const RateLimited = error(
  'Rate limited (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS per key)',
  errorEnvelope(
    'RateLimitedError',
    'Too many requests for this key',
    ['ERROR_RATE_LIMITED'],
    z.literal('You are being rate limited'),
  ),
  { 'Retry-After': RetryAfter },
);

export const InternalError = error(
  'Unexpected failure',
  errorEnvelope('InternalError', 'Unexpected failure; quotes the request id', ['ERROR_INTERNAL']),
);

export const ServiceUnavailable = error(
  'A storage dependency is unavailable',
  errorEnvelope(
    'ServiceUnavailableError',
    'A storage dependency is down or throttling; retry after Retry-After seconds',
    ['ERROR_SERVICE_UNAVAILABLE'],
  ),
  { 'Retry-After': RetryAfter },
);

/** What every authenticated route may answer besides its own responses. */
export const authenticatedErrors = {
  401: Unauthorized,
  429: RateLimited,
  500: InternalError,
  503: ServiceUnavailable,
} as const;

/** What every public route that reads storage may answer besides its own responses. */
export const publicErrors = { 500: InternalError, 503: ServiceUnavailable } as const;

/**
 * The 413 message for a body over the inline limit: names the limit and the ways around it.
 * The API, the local stack's front and the CDN in front of the API all answer with it.
 */
/** Why a request's headers were refused before reaching a function. */
export function headersTooLargeMessage(limitBytes: number, headerBytes?: number): string {
  const size =
    headerBytes === undefined
      ? 'Request headers are too large'
      : `Request line and headers are ${headerBytes} bytes`;
  return `${size}; the API takes at most ${limitBytes} bytes of them.`;
}

export function payloadTooLargeMessage(limitBytes: number, bodyBytes?: number): string {
  const size =
    bodyBytes === undefined ? 'Request body is too large' : `Request body is ${bodyBytes} bytes`;
  return (
    `${size}; this endpoint takes at most ${limitBytes} bytes inline. ` +
    `Split larger content into CAR chunks of at most ${limitBytes} bytes and POST each to /upload ` +
    '(the nft.storage client does this with maxChunkSize), or stage the CAR in S3: ' +
    'POST /staged-uploads {"size","sha256"} returns a URL to PUT it to.'
  );
}
