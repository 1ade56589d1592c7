/**
 * Domain records and the ports the core works through. Adapters (DynamoDB, S3, SQS) and the
 * in-memory fakes used by unit tests both implement these; the core never imports an SDK.
 * Adapters throw on storage failures (they are not "not found"); absence is `undefined`.
 */
import type { NftKey } from '../codecs/nft.ts';
import type { InvalidRequest } from './failures.ts';
import type { Result } from './result.ts';

export type { NftKey } from '../codecs/nft.ts';

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
  /** An admin token may also call the admin routes (POST /deals); set by the CLI only. */
  admin?: true;
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

/** Where a block's bytes lie: inside the carpark CAR `carCid`, `length` bytes from `offset`. */
export interface BlockLocation extends ByteRange {
  carCid: string;
}

/** A block's place in the CAR being indexed, named by its multihash. */
export interface IndexedBlock extends ByteRange {
  multihash: Uint8Array;
}

/**
 * Where every block of every stored CAR lies, by multihash (so CIDv0/v1 and codec variants of
 * one block find the same bytes). Written by the indexer after a CAR is stored, never on the
 * API's request path.
 */
export interface BlockIndexStore {
  /** Records the places of blocks of one CAR (idempotent: a repeat writes the same items). */
  record(carCid: string, blocks: readonly IndexedBlock[]): Promise<void>;
  /** One place holding the block, or undefined when no indexed CAR holds it. */
  locate(multihash: Uint8Array): Promise<BlockLocation | undefined>;
  /** Forgets these blocks' places in one CAR (a removed one); other CARs' places stay. */
  forget(carCid: string, multihashes: readonly Uint8Array[]): Promise<void>;
}

export type StagedStatus = 'waiting' | 'uploading' | 'validating' | 'stored' | 'failed';
/** The statuses in which a staged upload may still receive bytes. */
export const OPEN_STAGED_STATUSES: readonly StagedStatus[] = ['waiting', 'uploading'];

/** Why a staged upload failed, by the failure's name. */
export type StagedFailureName =
  | 'InvalidCar'
  | 'ContentMismatch'
  | 'UploadAbandoned'
  | 'UploadExpired'
  | 'UploadAborted'
  | 'IngestFailed';

/**
 * A large upload the client sends straight to S3: one presigned PUT (`put`, status `waiting`
 * until the object arrives) or an S3 multipart upload with presigned part URLs (`multipart`,
 * `uploading` until the client completes it); then `validating` while ingest verifies it, and
 * finally `stored` or `failed`.
 */
export interface StagedUploadRecord {
  id: string;
  userId: string;
  tokenId: string;
  tokenName: string;
  name?: string;
  /** Exact byte length the client declared (and each URL's signature binds). */
  size: number;
  /** Base64 SHA-256 of the CAR, when the client declared it. */
  sha256?: string;
  key: string;
  created: string;
  /** After this no more bytes are taken: the PUT URL's expiry, or a multipart upload's end. */
  expires: string;
  method: 'put' | 'multipart';
  /** The S3 multipart upload (`multipart` only), and its part size. */
  uploadId?: string;
  partSize?: number;
  /** Each part URL signs the part's SHA-256 (declared when the URLs are asked for). */
  partChecksums?: boolean;
  status: StagedStatus;
  /** Root CID of the stored upload, once stored. */
  cid?: string;
  /** Why it failed: a failure's name and message. */
  failure?: { name: StagedFailureName; message: string };
  updated?: string;
}

export interface StagedUploadStore {
  create(record: StagedUploadRecord): Promise<void>;
  get(id: string): Promise<StagedUploadRecord | undefined>;
  /**
   * Marks an upload `validating` (its bytes are all there); idempotent. False when it is
   * already final.
   */
  startValidating(id: string, now: string): Promise<boolean>;
  /**
   * Final states are written once, from any other state (or only from `from`): false when the
   * upload was not in such a state (a redelivered event finds it final and does nothing).
   */
  finish(
    id: string,
    outcome: Pick<StagedUploadRecord, 'status' | 'cid' | 'failure'>,
    now: string,
    from?: readonly StagedStatus[],
  ): Promise<boolean>;
  /** Uploads still open (`waiting`, `uploading`) whose `expires` is before `before`, oldest first. */
  listExpired(before: string, limit: number): Promise<StagedUploadRecord[]>;
}

/** A presigned S3 request: the URL, and the headers it must carry exactly (the signature covers them). */
export interface PresignedRequest {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
}

/** A part S3 holds for an open multipart upload. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** Base64 SHA-256 of the part: required when the upload's parts carry checksums. */
  sha256?: string;
}

/**
 * The staging bucket: where clients send large CARs with presigned requests, and where the
 * ingest reads them (as a stream) and places them in the carpark (by server-side copy).
 */
export interface StagingArea {
  presignPut(input: {
    key: string;
    size: number;
    sha256?: string;
    expiresInSeconds: number;
  }): Promise<PresignedRequest>;
  /** Starts an S3 multipart upload; with `checksums`, every part carries its SHA-256. */
  createMultipart(key: string, options: { checksums: boolean }): Promise<string>;
  presignPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    size: number;
    sha256?: string;
    expiresInSeconds: number;
  }): Promise<PresignedRequest>;
  /** The parts S3 has, by part number; undefined when the multipart upload is gone. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[] | undefined>;
  /** Assembles the object; a parts list S3 refuses is an InvalidRequest saying why. */
  completeMultipart(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
  ): Promise<Result<void, InvalidRequest>>;
  /** Idempotent: aborting a finished or missing upload succeeds. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** The object's size and its bytes as they arrive; undefined when there is none. */
  open(key: string): Promise<{ size: number; body: AsyncIterable<Uint8Array> } | undefined>;
  readRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Places the object in the carpark under `carparkKey` by server-side copy. */
  copyToCarpark(key: string, carparkKey: string, size: number): Promise<void>;
  has(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
}

export type { IngestMessage, IpniMessage, PinMessage } from '../../contract/messages.ts';

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

/**
 * One place in the IPNI advertisement chain: position `seq` holds one ad, whose PreviousID is
 * the ad at `seq - 1`. Written once by a conditional put and never changed, so the chain cannot
 * fork: two publishers racing for a place cannot both take it.
 */
export interface ChainPosition {
  /** 1 for the first ad. */
  seq: number;
  /** The ad's CID. */
  ad: string;
  /** The work this ad completed (work keys, see core/ipni/work.ts); empty for a part of one. */
  keys: string[];
  /** The signed head naming this ad (dag-json), served while it is the chain's head. */
  signedHead: string;
  created: string;
}

export interface AdChainStore {
  /** The highest position, or undefined while the chain is empty. */
  head(): Promise<ChainPosition | undefined>;
  /** The positions after `seq`, in order. */
  after(seq: number): Promise<ChainPosition[]>;
  at(seqs: readonly number[]): Promise<Map<number, ChainPosition>>;
  /** Takes `position.seq` if it is free; false when another ad holds it. */
  claim(position: ChainPosition): Promise<boolean>;
  /** The position each work item was last about to take (see `place`). */
  placements(keys: readonly string[]): Promise<Map<string, number>>;
  /** Records that these work items are about to take position `seq` (written before the claim). */
  place(keys: readonly string[], seq: number): Promise<void>;
  /** The withdrawals of a content placed so far, with their positions. */
  withdrawalsOf(content: string): Promise<{ key: string; seq: number }[]>;
}

/** The blocks of a stored CAR, read from the carpark. */
export interface CarBlockSource {
  /** The CAR's roots, or undefined when the carpark has no such CAR. */
  roots(carCid: string): Promise<string[] | undefined>;
  /** Every block's multihash, in CAR order, or undefined when the CAR is gone. */
  multihashes(carCid: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** The head last announced to each indexer. */
export interface AnnounceLog {
  announced(urls: readonly string[]): Promise<Map<string, string>>;
  record(url: string, ad: string, now: string): Promise<void>;
}

/** Sends an announce message (HTTP PUT); throws when the indexer does not take it. */
export interface Announcer {
  put(url: string, body: string): Promise<void>;
}

/** Whether a block is held here, by multihash (any CID version or codec names the same block). */
export interface BlockPresence {
  has(multihash: Uint8Array): Promise<boolean>;
}

/** A figure a scheduled job reports about its work (e.g. the scraper's lag per chain). */
export interface Gauge {
  /** Lower-case words joined by `_`: exported by /metrics as `pinstack_<name>`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scheduled job's runs, as its edge records them (lambdas/shared/schedule-handler.ts). */
export interface CronRecord {
  name: string;
  lastSuccess?: string;
  lastFailure?: string;
  /** The last failure's message, bounded. */
  lastError?: string;
  lastDurationMs?: number;
  /** What the last successful run reported. */
  gauges?: Gauge[];
}

/** A queue's progress, as its consumer's edge records it (lambdas/shared/queue-handler.ts). */
export interface QueueProgressRecord {
  /** The queue's name (the last part of its URL and ARN). */
  queue: string;
  /** When a batch from it was last handled. */
  lastProcessed: string;
  /** How long the oldest message of that batch had waited. */
  waitedSeconds: number;
}

export type CronOutcome =
  | { ok: true; at: string; durationMs: number; gauges?: Gauge[] }
  | { ok: false; at: string; durationMs: number; error: string };

/** Operational records: what the status page and /metrics know about crons and consumers. */
export interface OpsStore {
  recordRun(name: string, outcome: CronOutcome): Promise<void>;
  recordProgress(queue: string, at: string, waitedSeconds: number): Promise<void>;
  read(): Promise<{ crons: CronRecord[]; queues: QueueProgressRecord[] }>;
}

/** How many messages a queue holds, by state (SQS's approximate counts). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** The work queues of the deployment and their DLQs, as SQS counts their messages. */
export interface QueueInspector {
  depths(): Promise<{ queue: string; name: string; depth: QueueDepth; deadLetters: number }[]>;
}

/** What a record adds to the usage totals: counter name -> amount (zeros left out). */
export type Tally = Record<string, number>;

/** A record the usage totals count, by its identity. */
export type CountedRef =
  | { kind: 'content'; cid: string }
  | { kind: 'upload'; userId: string; cid: string }
  | { kind: 'user'; userId: string }
  | { kind: 'deal'; cid: string; dealId: string };

/** What a record has been counted as so far: stored with the record itself. */
export interface CountMark {
  tally: Tally;
  /** When it was counted: a writer that marked long enough ago has finished adding. */
  at: string;
  id: string;
}

export interface CountedState {
  /** The record as stored (undefined: never written). */
  record: ContentRecord | UploadRecord | UserRecord | DealRecord | undefined;
  mark: CountMark | undefined;
}

/** One shard of the usage totals (the totals are the sum of all shards). */
export interface StatsShard {
  shard: number;
  tally: Tally;
  /** Moves with every add and rebase: what a rebase is fenced on (0: never written). */
  version: number;
}

export interface StatsStore {
  /** A counted record and its mark, read together (one strongly consistent read). */
  read(ref: CountedRef): Promise<CountedState>;
  /**
   * Replaces a record's mark with `next` if it still is `previous` (none: unmarked); false when
   * another writer moved it first, or the record does not exist.
   */
  mark(ref: CountedRef, previous: CountMark | undefined, next: CountMark): Promise<boolean>;
  add(shard: number, delta: Tally): Promise<void>;
  shards(): Promise<StatsShard[]>;
  /** Sets a shard to `tally` if its version is still `version`; false when it moved. */
  rebase(shard: number, tally: Tally, version: number): Promise<boolean>;
  /** Every counted record, in `segments` parts scanned apart (the recompute cron only). */
  scan(segment: number, segments: number): AsyncIterable<{ ref: CountedRef } & CountedState>;
}

/** A Filecoin deal of a content's data, as the deal aggregator reports it (POST /deals). */
export interface DealRecord {
  /** The content root (CIDv1) the deal holds. */
  cid: string;
  /** The chain deal id. */
  dealId: string;
  status: 'queued' | 'proposing' | 'accepted' | 'failed' | 'active' | 'published' | 'terminated';
  pieceCid: string;
  /** The storage provider, e.g. `f01234`. */
  provider: string;
  network: string;
  dataModelSelector?: string;
  batchRootCid?: string;
  /** The CAR the deal was reported for, when it was reported by CAR. */
  carCid?: string;
  statusText?: string;
  activation?: string;
  expiration?: string;
  /** When the deal was first reported, and last changed. */
  created: string;
  updated: string;
}

/** A content's record and its deals, read together: the public check's one read. */
export interface ContentCheckReader {
  read(cid: string): Promise<{ content: ContentRecord | undefined; deals: DealRecord[] }>;
}

export interface DealStore {
  get(cid: string, dealId: string): Promise<DealRecord | undefined>;
  /** Writes a deal record whole (its other attributes, like a count mark, stay). */
  put(deal: DealRecord): Promise<void>;
  list(cid: string): Promise<DealRecord[]>;
  /** The content root a stored CAR belongs to (undefined: no such CAR recorded). */
  contentOfCar(carCid: string): Promise<string | undefined>;
}

// ---------------------------------------------------------------------------------------------
// The chain scraper: NFTs found on chains, where each chain's scan stands, and its run lease.

export interface ChainLog {
  /** Lower-case 0x address of the emitting contract. */
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  logIndex: number;
  removed?: boolean;
}

export interface LogFilter {
  fromBlock: number;
  toBlock: number;
  /** Only these contracts (lower-case); all when absent. */
  addresses?: string[];
  /** topic0 alternatives. */
  topic0: string[];
}

/**
 * A chain's JSON-RPC endpoint. Failures are thrown as RpcFailure (core/chain/rpc-errors.ts),
 * classified: refused (too large a query), reverted (an eth_call's answer), transient, failed.
 */
export interface ChainRpc {
  chainId(): Promise<number>;
  blockNumber(): Promise<number>;
  /** The hash of a block, or undefined when the chain has no block at that height (any more). */
  blockHash(number: number): Promise<string | undefined>;
  logs(filter: LogFilter): Promise<ChainLog[]>;
  /** eth_call at a block; the return data as hex. */
  call(to: string, data: string, block: number): Promise<string>;
  /** The code at an address ('0x' for none). */
  code(address: string, block: number): Promise<string>;
}

export type TokenStandard = 'erc721' | 'erc1155';

/**
 * What the token's URI is: `ipfs` (its CIDs are recorded and pinned), `data` (a `data:` URI,
 * decoded, with the CIDs inside it), `http` (a plain web URL: recorded, not pinned),
 * `unsupported` (`ipns://`, `ar://`, other schemes), `empty`, `reverted` (reading it reverted)
 * or `invalid` (an answer that is not a string, a malformed IPFS or data URI).
 */
export type UriStatus = 'ipfs' | 'data' | 'http' | 'unsupported' | 'empty' | 'reverted' | 'invalid';

/**
 * The token's metadata: `pending` (to fetch), `retrying` (a fetch failed; tried again later),
 * `fetched` (JSON, walked for CIDs), `not-json` (the URI's content is not JSON, e.g. the image
 * itself), `inline` (JSON inside a `data:` URI, walked), `failed` (given up) or `none` (nothing
 * to fetch: the URI is not IPFS).
 */
export type MetadataStatus =
  | 'pending'
  | 'retrying'
  | 'fetched'
  | 'not-json'
  | 'inline'
  | 'failed'
  | 'none';

/** Where a CID was found: the URI itself, the JSON of a `data:` URI, or fetched metadata. */
export type CidSource = 'uri' | 'data-uri' | 'metadata';

export interface FoundCid {
  /** The root as a CIDv1 string. */
  cid: string;
  /** The path under the root, `''` or starting with `/`. */
  path: string;
  source: CidSource;
}

/** A URI a token had before a refresh replaced it; its CIDs stay pinned. */
export interface ReplacedUri {
  tokenURI: string;
  cids: FoundCid[];
  replaced: string;
}

export interface NftRecord {
  chainId: number;
  /** Lower-case 0x address. */
  contract: string;
  /** Decimal. */
  tokenId: string;
  standard: TokenStandard;
  /** As read (ERC-1155 `{id}` substituted); a very long one is kept as its start. */
  tokenURI: string;
  /** Set when `tokenURI` is only the start of a longer URI. */
  tokenURIFull?: { length: number; sha256: string };
  uriStatus: UriStatus;
  uriReason?: string;
  metadataStatus: MetadataStatus;
  metadataReason?: string;
  /** Failed metadata fetches so far. */
  metadataAttempts: number;
  /** When the metadata is due to be fetched (set while `pending` or `retrying`). */
  metadataDue?: string;
  cids: FoundCid[];
  history?: ReplacedUri[];
  /** The block the token was first seen in. */
  firstBlock: number;
  updated: string;
}

export interface NftStore {
  get(key: NftKey): Promise<NftRecord | undefined>;
  /** Keyed by nftKeyString. */
  getMany(keys: NftKey[]): Promise<Map<string, NftRecord>>;
  /** Stores each record whole (the scraper's run lease makes it the only writer). */
  putMany(records: NftRecord[]): Promise<void>;
  /** Recorded tokens of one contract with ids in [from, to], by id, at most `limit`. */
  listRange(
    chainId: number,
    contract: string,
    from: bigint,
    to: bigint,
    limit: number,
  ): Promise<NftRecord[]>;
  /** Tokens whose metadata is due at or before `now`, soonest first. */
  listMetadataDue(now: string, limit: number): Promise<NftRecord[]>;
}

/** A block window the scraper finished, with the hash of its last block (reorg checks). */
export interface ScannedWindow {
  from: number;
  to: number;
  hash: string;
}

export interface ChainCursor {
  chainId: number;
  /** The first block not scanned yet. */
  next: number;
  /** The window size the provider last accepted. */
  window: number;
  /** The last windows scanned, oldest first. */
  recent: ScannedWindow[];
  /** Bumped by every save; a save expecting another version changes nothing. */
  version: number;
  updated: string;
}

export interface CursorStore {
  get(chainId: number): Promise<ChainCursor | undefined>;
  /**
   * Stores the cursor with version `expectedVersion + 1` only if the stored one still has
   * `expectedVersion` (0: none stored yet); false when another writer moved it.
   */
  save(cursor: ChainCursor, expectedVersion: number): Promise<boolean>;
}

/** A named lease that at most one holder has at a time, until it expires or is released. */
export interface LeaseStore {
  /** Takes the job's lease for `ttlSeconds` unless another holder's lease is still live. */
  acquire(job: string, holder: string, now: Date, ttlSeconds: number): Promise<boolean>;
  /** Gives the lease up if `holder` still has it. */
  release(job: string, holder: string): Promise<void>;
}

/** A CID the scraper wants preserved, with what to name the pin after. */
export interface PinRequest {
  /** CIDv1. */
  cid: string;
  name: string;
  /** HTTP origins that may serve the content (the gateway a URI named). */
  origins: string[];
  meta: Record<string, string>;
}

/**
 * Asks for CIDs to be pinned by CID for the scraper's system user (core/chain/pin-requests.ts):
 * idempotent, so a CID asked for twice is pinned, and counted, once.
 */
export interface PinRequester {
  requestPins(requests: PinRequest[]): Promise<void>;
}

export interface MetadataReadFailure {
  /**
   * `unavailable`: not found or not fetched now (a later attempt may succeed); `too-large`:
   * over the size cap; `invalid`: verified content that is not a readable file at that path.
   */
  reason: 'unavailable' | 'too-large' | 'invalid';
  message: string;
}

/** Reads the bytes of a file by root CID and path, verified against the CID. */
export interface MetadataSource {
  read(cid: string, path: string): Promise<Result<Uint8Array, MetadataReadFailure>>;
}
