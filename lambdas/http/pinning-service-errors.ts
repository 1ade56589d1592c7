/**
 * How the Pinning Service API routes answer each domain failure: the spec's Failure shape
 * `{"error":{"reason","details"}}` with its statuses (401 for a missing or bad token), never
 * nft.storage's envelope.
 */
import type { PsaFailureBody, PsaReason } from '../../contract/pins.ts';
import type { Failure, FailureName } from '../core/failures.ts';
import type { FailureResponse } from './nft-storage-errors.ts';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './nft-storage-errors.ts';

export const PINNING_SERVICE_ERRORS: { [N in FailureName]: { status: number; reason: PsaReason } } =
  {
    InvalidRequest: { status: 400, reason: 'BAD_REQUEST' },
    InvalidCid: { status: 400, reason: 'BAD_REQUEST' },
    InvalidCar: { status: 400, reason: 'BAD_REQUEST' },
    EmptyContent: { status: 400, reason: 'BAD_REQUEST' },
    InvalidPath: { status: 400, reason: 'BAD_REQUEST' },
    InvalidMeta: { status: 400, reason: 'BAD_REQUEST' },
    ContentMismatch: { status: 400, reason: 'BAD_REQUEST' },
    MissingToken: { status: 401, reason: 'UNAUTHORIZED' },
    MalformedToken: { status: 401, reason: 'UNAUTHORIZED' },
    UnknownToken: { status: 401, reason: 'UNAUTHORIZED' },
    UnknownUser: { status: 401, reason: 'UNAUTHORIZED' },
    NotFound: { status: 404, reason: 'NOT_FOUND' },
    Forbidden: { status: 403, reason: 'UNAUTHORIZED' },
    UploadAbandoned: { status: 404, reason: 'NOT_FOUND' },
    UploadExpired: { status: 404, reason: 'NOT_FOUND' },
    UploadAborted: { status: 404, reason: 'NOT_FOUND' },
    UploadNotOpen: { status: 400, reason: 'BAD_REQUEST' },
    IngestFailed: { status: 500, reason: 'INTERNAL_SERVER_ERROR' },
    PayloadTooLarge: { status: 413, reason: 'PAYLOAD_TOO_LARGE' },
    RateLimited: { status: 429, reason: 'RATE_LIMITED' },
    StorageUnavailable: { status: 503, reason: 'SERVICE_UNAVAILABLE' },
    ProviderUnavailable: { status: 503, reason: 'SERVICE_UNAVAILABLE' },
  };

export interface PinningServiceFailureResponse extends Omit<FailureResponse, 'body'> {
  body: PsaFailureBody;
}

export function pinningServiceError(
  failure: Failure,
  requestId: string,
): PinningServiceFailureResponse {
  const { status, reason } = PINNING_SERVICE_ERRORS[failure.name];
  const headers: Record<string, string> = {};
  let details = failure.message;
  if (failure.name === 'RateLimited') headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.name === 'StorageUnavailable' || failure.name === 'ProviderUnavailable') {
    headers['retry-after'] = String(UNAVAILABLE_RETRY_AFTER_SECONDS);
    details = `${failure.message} (request ${requestId})`;
  }
  return { status, headers, body: { error: { reason, details } } };
}

export const pinningServiceInternalError = (requestId: string): PinningServiceFailureResponse => ({
  status: 500,
  headers: {},
  body: {
    error: {
      reason: 'INTERNAL_SERVER_ERROR',
      details: `Internal server error (request ${requestId})`,
    },
  },
});

/** The table for createApiHandler's `errorTables` (the handlers serving Pinning Service routes). */
export const pinningServiceErrorTable = {
  answer: pinningServiceError,
  internal: pinningServiceInternalError,
};
