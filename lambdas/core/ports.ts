/**
 * Domain records and the ports the core works through. Adapters (DynamoDB, S3, SQS) and the
 * in-memory fakes used by unit tests both implement these; the core never imports an SDK.
 * Adapters throw on storage failures (they are not "not found"); absence is `undefined`.
 */

export interface UserRecord {
  userId: string;
  created: string;
}

export interface TokenRecord {
  tokenId: string;
  userId: string;
  name: string;
  /** Hex SHA-256 of the token's secret; the secret itself is never stored. */
  secretHash: string;
  created: string;
  revoked?: string;
}

export type PinStatus = 'queued' | 'pinning' | 'pinned' | 'failed';
export type DagStructure = 'complete' | 'partial' | 'unknown';

/** One provider's side of a content's pin. */
export interface ProviderPin {
  status: PinStatus;
  /** The provider's own id of the pin (a remote Pinning Service's requestid). */
  requestId?: string;
  /** DAG size the provider reports. */
  size?: number;
  /** Why its last attempt did not succeed (a transient outage or a refusal). */
  error?: string;
  /** While set, one pin worker is asking the provider for this pin (since this time). */
  claimed?: string;
  updated: string;
}

/**
 * Why a pin failed. `unretrievable` (no gateway served the DAG) and `gave-up` (the pin queue's
 * retries ran out) are retried by the pin-status cron while `retryAt` is set; the rest are for
 * good: a retry cannot change them.
 */
export type PinFailureKind =
  | 'unretrievable'
  | 'gave-up'
  | 'too-big'
  | 'invalid'
  | 'provider'
  | 'incomplete';

export interface PinFailure {
  kind: PinFailureKind;
  message: string;
  /** When it first failed in this run of retries. */
  since: string;
  /** Attempts that failed so far. */
  attempts: number;
  /** When the pin-status cron tries again; absent once the failure is final. */
  retryAt?: string;
}

/** A pin-by-CID request's fetch: the content is not stored yet. */
export interface PinFetch {
  /** Hints from the request (multiaddrs, URLs); the HTTP ones are tried first. */
  origins: string[];
  /** When a worker last started fetching it. */
  started?: string;
}

/**
 * Content: one per root CID, shared by every upload of it. Keyed by the CIDv1 string, so the
 * CIDv0 and CIDv1 forms of a dag-pb root are one content, while the same bytes under another
 * codec (a raw upload of a dag-pb node's bytes) are another: completeness and size belong to a
 * CID, not to bytes.
 */
export interface ContentRecord {
  /** The root as a CIDv1 string: the key. */
  cid: string;
  /** Size of the whole DAG in bytes, when known. */
  size?: number;
  structure: DagStructure;
  pinStatus: PinStatus;
  /** When anyone first stored this content. */
  created: string;
  updated: string;
  /**
   * Set when an upload releases its hold (a later release moves it later): when the content
   * is unpinned unless someone holds it then, which the cron checks before unpinning.
   */
  unpinAfter?: string;
  /** Set once the content was handed to the pin queue for unpinning. */
  unpinRequested?: string;
  /** Each configured provider's side of the pin, by provider name. */
  providers?: Record<string, ProviderPin>;
  /** The providers the content was last `pinned` with (sorted names, comma-separated). */
  pinnedWith?: string;
  /** Set while the content was requested by CID and is not stored yet. */
  fetch?: PinFetch;
  /** Why the pin is `failed`. */
  failure?: PinFailure;
}

/** A CAR stored in the carpark under its own CID. */
export interface CarRecord {
  carCid: string;
  key: string;
  size: number;
  roots: string[];
  /** When it was last recorded (a repeat upload of the same CAR records it again). */
  created: string;
}

export interface UploadFile {
  name: string;
  type: string;
}

/** Where a file list too long to keep in its upload's record is stored (see uploads.ts). */
export interface FileListRef {
  /** The list's carpark key (content-addressed: the SHA-256 of its JSON). */
  key: string;
  count: number;
  /** What it adds to an answer, in bytes (see `answerBytes` in uploads.ts). */
  bytes: number;
}

export type UploadType = 'nft' | 'directory' | string;

/** One per user and root CID (both CID versions of a root are one upload). */
export interface UploadRecord {
  userId: string;
  /** Normalised CIDv1 string of the root: the key. */
  cid: string;
  /** The CID in the form the uploader used (e.g. a CIDv0 CAR root). */
  sourceCid: string;
  name: string;
  /** "nft", "directory" or the request MIME type ("application/car", "image/png", ""). */
  type: UploadType;
  /** The files of a multipart upload, when short enough to keep here; else `fileList`. */
  files: UploadFile[];
  fileList?: FileListRef;
  tokenId: string;
  /** The token's name at upload time, reported as `scope`. */
  tokenName: string;
  /** Kept with a pin-by-CID request (see requestPinByCid); not shown by nft.storage routes. */
  meta?: Record<string, string>;
  created: string;
  updated: string;
  deleted?: string;
}

export interface UploadPage {
  uploads: UploadRecord[];
  /** Position of the last upload returned, when more may follow (the edge makes it opaque). */
  next?: string;
}

export interface ListUploadsQuery {
  userId: string;
  limit: number;
  /** Inclusive upper bound on `created` (nft.storage's `before`). */
  before?: string;
  /** Exclusive position from a previous page's `next`: exact even across equal timestamps. */
  cursor?: string;
  namePrefix?: string;
  tokenId?: string;
}

export interface UserStore {
  /** Creates the user if absent; returns the stored record. */
  ensure(userId: string, now: string): Promise<UserRecord>;
  get(userId: string): Promise<UserRecord | undefined>;
}

export interface TokenStore {
  put(token: TokenRecord): Promise<void>;
  get(tokenId: string): Promise<TokenRecord | undefined>;
  listByUser(userId: string): Promise<TokenRecord[]>;
  /** Marks the token revoked (idempotent); false when no such token exists. */
  revoke(tokenId: string, now: string): Promise<boolean>;
}

/** Per-key request counts in time buckets, for a sliding-window rate limit. */
export interface RateLimitStore {
  /** The counts of buckets `first` .. `first + n - 1` of `key` (0 for a bucket never used). */
  counts(key: string, first: number, n: number): Promise<number[]>;
  /**
   * Counts one request in `bucket` if it holds fewer than `budget`, atomically however many
   * callers race; false when it is full. The bucket expires at `expiresAtEpochSeconds`.
   */
  take(
    key: string,
    bucket: number,
    budget: number,
    expiresAtEpochSeconds: number,
  ): Promise<boolean>;
}

export interface StoredDag {
  /** The root as a CIDv1 string. */
  cid: string;
  /** DAG size from this CAR (root Tsize for dag-pb, length for raw), if it tells one. */
  size?: number;
  structure: DagStructure;
  now: string;
  /**
   * Whether providers are configured: then a complete DAG is `queued` for them (unless already
   * `pinning` or `pinned`) instead of `pinned` at once.
   */
  awaitsProviders?: boolean;
}

/** What one provider said, and the content's pin after it. */
export interface PinProgress {
  cid: string;
  /** Provider states to write (others stay as they are). */
  providers: Record<string, ProviderPin>;
  status: Exclude<PinStatus, 'failed'>;
  /** `pinned` only: the providers it is pinned with, and the size they report (if any). */
  pinnedWith?: string;
  size?: number;
  now: string;
}

export interface ContentStore {
  get(cid: string): Promise<ContentRecord | undefined>;
  getMany(cids: string[]): Promise<Map<string, ContentRecord>>;
  /**
   * Records that (part of) a DAG is stored. Creates the content if absent. A complete DAG
   * becomes `pinned` with its measured size; an incomplete one stays `pinning` unless already
   * pinned, and its declared size counts only while no size is known.
   */
  recordStored(dag: StoredDag): Promise<ContentRecord>;
  /**
   * Marks the content's DAG complete with its measured size (replacing a declared one): pinned,
   * or `queued` for its providers when it `awaitsProviders`.
   */
  markComplete(
    cid: string,
    size: number | undefined,
    now: string,
    awaitsProviders?: boolean,
  ): Promise<void>;
  /**
   * Records a pin-by-CID request: creates the content, `queued` with its fetch, when absent;
   * re-queues a `failed` content (a new request deserves a new try); adds new origins to a
   * fetch still pending. Content that is stored or being pinned stays as it is.
   */
  recordRequested(request: { cid: string; origins: string[]; now: string }): Promise<ContentRecord>;
  /** Records CARs stored for the content (chunks of a fetched DAG), idempotently. */
  recordCars(cid: string, cars: CarRecord[]): Promise<void>;
  /** A worker starts fetching requested content: `pinning` while it works (never when stored). */
  startFetch(cid: string, now: string): Promise<boolean>;
  /**
   * Records provider answers and the pin they add up to; a pin failed meanwhile (given up by
   * the dead-letter consumer) stays failed unless this makes it pinned.
   */
  recordProgress(progress: PinProgress): Promise<void>;
  /**
   * Claims the right to ask one provider for a pin, so two workers never both create it:
   * false when the provider already has a request id, or another claim younger than
   * `staleBefore` holds it.
   */
  claimProvider(
    cid: string,
    provider: string,
    now: string,
    staleBefore: string,
    /** The provider's last error, kept through the claim (the dead-letter consumer reports it). */
    lastError?: string,
  ): Promise<boolean>;
  /** Marks the pin failed (never a `pinned` one); listed for the cron while `retryAt` is set. */
  recordFailure(cid: string, failure: PinFailure, now: string): Promise<boolean>;
  /** Puts the pin back to `queued` (a retry, a backfill); never touches a pin being removed. */
  requeue(cid: string, now: string): Promise<boolean>;
  /** Failed pins whose retry is due at or before `now`, soonest first. */
  listRetryDue(now: string, limit: number): Promise<ContentRecord[]>;
  /** Pinned content last pinned with exactly this provider set (see `pinnedWith`). */
  listPinnedWith(providerSet: string, limit: number): Promise<ContentRecord[]>;
  /**
   * Forgets content that was unpinned: its CAR records and the content itself, only while its
   * unpin is still requested (false when a new holder cancelled it meanwhile).
   */
  removeContent(cid: string, carCids: string[]): Promise<boolean>;
  /** Gives up on an incomplete DAG (a later chunk can still revive it); never touches `pinned`. */
  markFailed(cid: string, now: string): Promise<void>;
  /**
   * Records a CAR stored for the content and an upload's hold on the content (unconfirmed, as
   * addHolder's, recorded at the CAR's `created`), in one idempotent write (a repeat changes
   * nothing but those times).
   */
  recordCar(cid: string, car: CarRecord, holder: string): Promise<void>;
  listCars(cid: string): Promise<CarRecord[]>;
  /**
   * Records that an upload holds the content (idempotent; a scheduled unpin stays, see
   * cancelUnpin). The hold is unconfirmed until confirmHolder: the cron confirms it once the
   * upload exists, or releases it if the writer died before writing the upload.
   */
  addHolder(cid: string, holder: string, now: string): Promise<void>;
  /** Holds recorded before `before` and not confirmed yet, oldest first. */
  listUnconfirmedHolders(
    before: string,
    limit: number,
  ): Promise<{ cid: string; holder: string; recorded: string }[]>;
  /**
   * Confirms a hold whose upload exists, if it is still unconfirmed since `recorded` (one taken
   * again since, e.g. by a delete, stays unconfirmed; a released hold stays released).
   */
  confirmHolder(cid: string, holder: string, recorded: string): Promise<void>;
  /**
   * Removes a holder (idempotent), having first scheduled the unpin at `unpinAfter` (unless it
   * is due later, or requested already), whether or not others hold the content: a crash
   * between the two writes must not leave content nothing holds and nothing will unpin, and a
   * schedule on held content is dropped by the cron when due. With `onlyIfUnconfirmedSince`,
   * only a hold still unconfirmed since that time is removed (one the upload took again
   * meanwhile stays).
   */
  removeHolder(
    cid: string,
    holder: string,
    unpinAfter: string,
    onlyIfUnconfirmedSince?: string,
  ): Promise<void>;
  hasHolders(cid: string): Promise<boolean>;
  /** Content whose pin is in `status`, last updated before `updatedBefore`, oldest first. */
  listPending(status: PinStatus, updatedBefore: string, limit: number): Promise<ContentRecord[]>;
  /** Content scheduled for unpinning at or before `now`. */
  listUnpinDue(now: string, limit: number): Promise<ContentRecord[]>;
  /**
   * Drops a scheduled unpin (someone holds the content again). With `due`, only a schedule
   * still due then: one a release has moved later since stays.
   */
  cancelUnpin(cid: string, due?: string): Promise<void>;
  /** Records that the unpin was requested; the content leaves the due list. */
  markUnpinRequested(cid: string, now: string): Promise<void>;
  /** Schedules an unpin again (one that failed), due at `due`. */
  rescheduleUnpin(cid: string, due: string): Promise<void>;
}

export interface UploadStore {
  get(userId: string, cid: string): Promise<UploadRecord | undefined>;
  /** Creates the upload only if the user has none for this CID; false when one exists. */
  create(upload: UploadRecord): Promise<boolean>;
  /**
   * Makes an existing upload live again (a repeat upload of its root): keeps its `created`,
   * type, files and token, and its name unless `rename`. Creates it when it is gone.
   */
  revive(upload: UploadRecord, options: { rename: boolean }): Promise<UploadRecord>;
  /** Soft-deletes; false when there was no live upload. */
  markDeleted(userId: string, cid: string, now: string): Promise<boolean>;
  /** Renames a live upload; false when there is none. */
  rename(userId: string, cid: string, name: string, now: string): Promise<boolean>;
  list(query: ListUploadsQuery): Promise<UploadPage>;
  /** Where an upload sits in listings: what `next` holds when a page ends with it. */
  positionOf(upload: UploadRecord): string;
}

/**
 * A pin request of the IPFS Pinning Service API. Each is also (part of) its user's upload of the
 * CID: the upload lives while any pin request of it does.
 */
export interface PinRequestRecord {
  requestId: string;
  userId: string;
  /** The CID as a CIDv1 string: what the upload and the content are keyed by. */
  cid: string;
  /** The CID as the request gave it, echoed in `pin.cid`. */
  sourceCid: string;
  name?: string;
  origins: string[];
  meta?: Record<string, string>;
  /** Unique per user: the Pinning Service API pages by it. */
  created: string;
  deleted?: string;
}

export interface PinRequestPage {
  requests: PinRequestRecord[];
  /** Where to continue reading, when more may follow (opaque to the core). */
  next?: string;
}

export interface PinRequestStore {
  /** Creates the request; false when the user has one created at the same instant. */
  create(record: PinRequestRecord): Promise<boolean>;
  get(userId: string, requestId: string): Promise<PinRequestRecord | undefined>;
  /**
   * Live requests of a user, newest first, created strictly between `after` and `before`
   * (either may be absent), `limit` per page read.
   */
  page(query: {
    userId: string;
    before?: string;
    after?: string;
    cursor?: string;
    limit: number;
  }): Promise<PinRequestPage>;
  /** The live requests of one user for one CID. */
  liveForCid(userId: string, cid: string): Promise<PinRequestRecord[]>;
  /** Marks a live request deleted (its upload's cleanup follows); false if not live. */
  markDeleted(userId: string, requestId: string, now: string): Promise<boolean>;
  /** Requests marked deleted before `before` whose cleanup has not finished. */
  listDeleted(before: string, limit: number): Promise<PinRequestRecord[]>;
  /** Removes a deleted request for good (idempotent). */
  purge(userId: string, requestId: string): Promise<void>;
}

/** A named lease that at most one holder has at a time, until it expires or is released. */
export interface LeaseStore {
  acquire(name: string, holder: string, now: string, expires: string): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

/** The provider sets pins were made with, so the cron can backfill when the set changes. */
export interface ProviderSetStore {
  list(): Promise<string[]>;
  add(providerSet: string): Promise<void>;
  remove(providerSet: string): Promise<void>;
}

/** Object storage for CARs (the carpark is content-addressed; staging is not). */
export interface BlobStore {
  /**
   * Stores the bytes. With `sha256` (their digest, e.g. a CAR CID's), the store verifies the
   * bytes against it on arrival instead of hashing them again on the way out.
   */
  put(key: string, bytes: Uint8Array, sha256?: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * The object's bytes as a stream, or only `length` bytes from `offset`; undefined when the
   * object is missing. A range past the object's end is cut at its end.
   */
  stream(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  has(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/** A large upload that the client PUTs straight to S3 with a presigned URL. */
export interface StagedUploadRecord {
  id: string;
  userId: string;
  tokenId: string;
  tokenName: string;
  name?: string;
  /** Exact byte length the client declared (and the URL's signature binds). */
  size: number;
  /** Base64 SHA-256 of the CAR the client declared. */
  sha256: string;
  key: string;
  created: string;
  expires: string;
  status: 'waiting' | 'stored' | 'failed';
  /** Root CID of the stored upload, once stored. */
  cid?: string;
  /** Why it failed: a failure's name and message. */
  failure?: { name: 'InvalidCar' | 'ContentMismatch' | 'UploadAbandoned'; message: string };
  updated?: string;
}

export interface StagedUploadStore {
  create(record: StagedUploadRecord): Promise<void>;
  get(id: string): Promise<StagedUploadRecord | undefined>;
  /** Final states are written once; a redelivered event finds them and does nothing. */
  finish(
    id: string,
    outcome: Pick<StagedUploadRecord, 'status' | 'cid' | 'failure'>,
    now: string,
  ): Promise<void>;
}

export interface PresignedPut {
  url: string;
  /** Headers the PUT must carry exactly: the signature covers them. */
  headers: Record<string, string>;
}

export interface UploadPresigner {
  presignPut(input: {
    key: string;
    size: number;
    sha256: string;
    expiresInSeconds: number;
  }): Promise<PresignedPut>;
}

export type { IngestMessage, PinMessage } from '../../contract/messages.ts';

/** A content as a provider is asked about it. */
export interface ProviderItem {
  /** The root as a CIDv1 string. */
  cid: string;
  name?: string;
  /** The provider's id of the pin from an earlier answer (a remote Pinning Service's). */
  requestId?: string;
  /** The whole DAG as one CAR stream, read by providers the CAR is pushed to. */
  car(): Promise<AsyncIterable<Uint8Array>>;
}

export interface ProviderAnswer {
  /** `absent`: the provider has no pin of it (never had, or lost it). */
  status: PinStatus | 'absent';
  requestId?: string;
  size?: number;
  /** Why a `failed` pin failed, as the provider says. */
  error?: string;
}

/**
 * An IPFS pinning provider (Kubo, IPFS Cluster, a remote Pinning Service). Every method throws
 * a ProviderUnavailable failure when the provider cannot be reached or answers with an error
 * a retry may fix; an answer about one pin never fails the others.
 */
export interface PinProvider {
  readonly name: string;
  /**
   * Each `pin` creates a new request at the provider (a remote Pinning Service), so a pin is
   * requested once — under a claim — and then followed by its request id.
   */
  readonly createsRequests: boolean;
  /** Pins the contents (pushing their CARs, or asking by CID with these origins). */
  pin(items: ProviderItem[], origins: string[]): Promise<Map<string, ProviderAnswer>>;
  /** Where each pin stands at the provider. */
  status(items: ProviderItem[]): Promise<Map<string, ProviderAnswer>>;
  /** Removes the pins (idempotent: a pin it does not have is fine). */
  unpin(items: ProviderItem[]): Promise<void>;
}

export type GatewayMiss = { kind: 'not-found' | 'unavailable'; message: string };

/** A trustless gateway: the CAR of a DAG (`/ipfs/<cid>?format=car`), as it streams in. */
export interface TrustlessGateway {
  fetchCar(
    gateway: string,
    cid: string,
    signal: AbortSignal,
  ): Promise<{ ok: true; value: AsyncIterable<Uint8Array> } | { ok: false; error: GatewayMiss }>;
}

export interface MessageQueue<T> {
  send(message: T): Promise<void>;
}

export interface Clock {
  now(): Date;
}
