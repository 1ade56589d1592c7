/**
 * The expected failures of the domain, each named by what went wrong — never by how an edge
 * answers it. Core functions return them as `Result` values; the HTTP edges map each name to a
 * status and error code (one table per wire contract), and queue edges decide from the same
 * names whether a message is retried or its failure recorded.
 *
 * The one failure that is thrown is `StorageUnavailable`: adapters raise it (as a
 * FailureError) when a dependency throttles, times out or fails, so every caller — HTTP, queue,
 * cron — sees the same thing whichever storage call hit it.
 */
import type { CID } from 'multiformats/cid';

interface Named<N extends string> {
  name: N;
  /** Says what is wrong, in bounded length; never echoes unbounded input. */
  message: string;
}

/** A request that the contract's schema or a domain rule rejects. */
export type InvalidRequest = Named<'InvalidRequest'>;
export type InvalidCid = Named<'InvalidCid'>;
export type InvalidCarReason =
  | 'unparseable'
  | 'missing-roots'
  | 'too-many-roots'
  | 'empty'
  | 'block-too-big'
  | 'too-many-blocks'
  | 'hash-mismatch'
  | 'unsupported-multihash'
  | 'missing-root-block'
  | 'undecodable-block'
  | 'root-cid-too-long';
export type InvalidCar = Named<'InvalidCar'> & { reason: InvalidCarReason; cid?: CID };
/** Content to pack has no bytes (an empty file, no files). */
export type EmptyContent = Named<'EmptyContent'>;
/** A file or field path that cannot be a directory entry or metadata path. */
export type InvalidPath = Named<'InvalidPath'>;
/** `/store` metadata that is not a usable JSON object. */
export type InvalidMeta = Named<'InvalidMeta'>;
/** A staged object whose bytes are not what its upload declared. */
export type ContentMismatch = Named<'ContentMismatch'>;
export type NotFound = Named<'NotFound'>;
/** A staged upload whose content never arrived (or never finished ingesting) in time. */
export type UploadAbandoned = Named<'UploadAbandoned'>;
/** A staged upload not completed before it expired: its parts were discarded. */
export type UploadExpired = Named<'UploadExpired'>;
/** A staged upload its client aborted. */
export type UploadAborted = Named<'UploadAborted'>;
/** A staged upload whose ingest kept failing until its message reached the dead-letter queue. */
export type IngestFailed = Named<'IngestFailed'>;
/** A staged upload asked to do what its state does not allow (complete it twice, ...). */
export type UploadNotOpen = Named<'UploadNotOpen'>;
export type PayloadTooLarge = Named<'PayloadTooLarge'>;
export type RateLimited = Named<'RateLimited'> & { retryAfterSeconds: number };
export type MissingToken = Named<'MissingToken'>;
export type MalformedToken = Named<'MalformedToken'>;
export type UnknownToken = Named<'UnknownToken'>;
export type UnknownUser = Named<'UnknownUser'>;
/** A valid API key that may not do this (an admin route with a user's key). */
export type Forbidden = Named<'Forbidden'>;
/** A storage dependency throttled, timed out or failed: retry later. Never "not found". */
export type StorageUnavailable = Named<'StorageUnavailable'> & { cause: unknown };

export type Failure =
  | InvalidRequest
  | InvalidCid
  | InvalidCar
  | EmptyContent
  | InvalidPath
  | InvalidMeta
  | ContentMismatch
  | NotFound
  | UploadAbandoned
  | UploadExpired
  | UploadAborted
  | IngestFailed
  | UploadNotOpen
  | PayloadTooLarge
  | RateLimited
  | MissingToken
  | MalformedToken
  | UnknownToken
  | UnknownUser
  | Forbidden
  | StorageUnavailable;

export type FailureName = Failure['name'];

/** The failures an API key check can end in. */
export type AuthFailure = MissingToken | MalformedToken | UnknownToken | UnknownUser;

/** Longest message a failure carries: messages name the problem, they never echo input. */
export const MAX_FAILURE_MESSAGE = 500;

const CONTROL = /\p{Cc}/u;

/** Shortens text quoted from input (a name, a CID) to a bounded, printable excerpt. */
export function quote(input: string, max = 80): string {
  let printable = '';
  // Control characters (newlines, NUL, escapes, and the C1 set: NEL, 8-bit CSI) are never echoed.
  for (const c of input.slice(0, max)) printable += CONTROL.test(c) ? '?' : c;
  return input.length <= max ? printable : `${printable}… (${input.length} characters)`;
}

const named =
  <N extends FailureName>(name: N) =>
  (message: string) =>
    ({ name, message: bounded(message) }) as Named<N>;

/** The message, or its start and an ellipsis: MAX_FAILURE_MESSAGE characters in all. */
function bounded(message: string): string {
  return message.length <= MAX_FAILURE_MESSAGE
    ? message
    : `${message.slice(0, MAX_FAILURE_MESSAGE - 1)}…`;
}

export const failure = {
  invalidRequest: named('InvalidRequest'),
  invalidCid: (cid: string): InvalidCid => ({
    name: 'InvalidCid',
    message: `Invalid CID: ${quote(cid)}`,
  }),
  invalidCar: (reason: InvalidCarReason, message: string, cid?: CID): InvalidCar => ({
    name: 'InvalidCar',
    reason,
    message: bounded(message),
    ...(cid ? { cid } : {}),
  }),
  emptyContent: named('EmptyContent'),
  invalidPath: named('InvalidPath'),
  invalidMeta: named('InvalidMeta'),
  contentMismatch: named('ContentMismatch'),
  notFound: named('NotFound'),
  uploadAbandoned: named('UploadAbandoned'),
  uploadExpired: named('UploadExpired'),
  uploadAborted: named('UploadAborted'),
  ingestFailed: named('IngestFailed'),
  uploadNotOpen: named('UploadNotOpen'),
  payloadTooLarge: named('PayloadTooLarge'),
  rateLimited: (retryAfterSeconds: number): RateLimited => ({
    name: 'RateLimited',
    message: 'You are being rate limited',
    retryAfterSeconds,
  }),
  missingToken: (): MissingToken => ({
    name: 'MissingToken',
    message:
      'API Key is missing, make sure the `Authorization` header has a value in the following format `Bearer {api key}`.',
  }),
  malformedToken: (): MalformedToken => ({
    name: 'MalformedToken',
    message: 'API Key is malformed or failed to parse.',
  }),
  unknownToken: (): UnknownToken => ({ name: 'UnknownToken', message: 'API Key not found.' }),
  unknownUser: (): UnknownUser => ({ name: 'UnknownUser', message: 'User not found.' }),
  forbidden: named('Forbidden'),
  storageUnavailable: (cause: unknown, what = 'A storage service'): StorageUnavailable => ({
    name: 'StorageUnavailable',
    message: `${what} is unavailable; retry later`,
    cause,
  }),
} as const;

/**
 * A failure on its way to an edge by throwing: adapters throw StorageUnavailable this way, and
 * an edge may unwrap a result with `expectOk` to let its error boundary answer.
 */
export class FailureError<F extends Failure = Failure> extends Error {
  override name = 'FailureError';
  readonly failure: F;
  constructor(failure: F) {
    super(
      `${failure.name}: ${failure.message}`,
      'cause' in failure ? { cause: failure.cause } : {},
    );
    this.failure = failure;
  }
}

/** Transient failures: a later retry of the same work may succeed. */
export const isTransient = (failure: Failure): boolean =>
  failure.name === 'StorageUnavailable' || failure.name === 'RateLimited';

/** Unwraps a result at an edge, throwing its failure for the edge's error boundary to answer. */
export function expectOk<T>(result: { ok: true; value: T } | { ok: false; error: Failure }): T {
  if (!result.ok) throw new FailureError(result.error);
  return result.value;
}
