/**
 * How the nft.storage-shaped routes answer each domain failure: one table from failure name to
 * status and error code. The contract lists, per route and status, the codes it may carry.
 */
import type { ErrorBody, ErrorCode } from '../../contract/schema.ts';
import type { Failure, FailureName } from '../core/failures.ts';

export const NFT_STORAGE_ERRORS: { [N in FailureName]: { status: number; code: ErrorCode } } = {
  InvalidRequest: { status: 400, code: 'HTTP_ERROR' },
  InvalidCid: { status: 400, code: 'ERROR_INVALID_CID' },
  InvalidCar: { status: 400, code: 'ERROR_INVALID_CAR' },
  EmptyContent: { status: 400, code: 'HTTP_ERROR' },
  InvalidPath: { status: 400, code: 'HTTP_ERROR' },
  InvalidMeta: { status: 400, code: 'HTTP_ERROR' },
  ContentMismatch: { status: 400, code: 'HTTP_ERROR' },
  MissingToken: { status: 401, code: 'EXPECTED_BEARER_STRING' },
  MalformedToken: { status: 401, code: 'ERROR_MALFORMED_TOKEN' },
  UnknownToken: { status: 401, code: 'ERROR_TOKEN_NOT_FOUND' },
  UnknownUser: { status: 401, code: 'ERROR_USER_NOT_FOUND' },
  Forbidden: { status: 403, code: 'ERROR_FORBIDDEN' },
  NotFound: { status: 404, code: 'HTTP_ERROR' },
  UploadAbandoned: { status: 410, code: 'HTTP_ERROR' },
  UploadExpired: { status: 410, code: 'HTTP_ERROR' },
  UploadAborted: { status: 410, code: 'HTTP_ERROR' },
  IngestFailed: { status: 500, code: 'HTTP_ERROR' },
  UploadNotOpen: { status: 409, code: 'HTTP_ERROR' },
  PayloadTooLarge: { status: 413, code: 'ERROR_PAYLOAD_TOO_LARGE' },
  RateLimited: { status: 429, code: 'ERROR_RATE_LIMITED' },
  StorageUnavailable: { status: 503, code: 'ERROR_SERVICE_UNAVAILABLE' },
};

/** Seconds a client should wait after a 503 before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export interface FailureResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

/** The response for a failure; `requestId` goes into messages of failures worth reporting. */
export function nftStorageError(failure: Failure, requestId: string): FailureResponse {
  const { status, code } = NFT_STORAGE_ERRORS[failure.name];
  const headers: Record<string, string> = {};
  let message = failure.message;
  if (failure.name === 'RateLimited') headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.name === 'StorageUnavailable') {
    headers['retry-after'] = String(UNAVAILABLE_RETRY_AFTER_SECONDS);
    message = `${failure.message} (request ${requestId})`;
  }
  return { status, headers, body: { ok: false, error: { code, message } } };
}

export const internalError = (requestId: string): FailureResponse => ({
  status: 500,
  headers: {},
  body: {
    ok: false,
    error: { code: 'ERROR_INTERNAL', message: `Internal server error (request ${requestId})` },
  },
});
