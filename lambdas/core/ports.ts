/**
 * Domain records and the ports the core works through. Adapters (DynamoDB, S3, SQS) and the
 * in-memory fakes used by unit tests both implement these; the core never imports an SDK.
 * Adapters throw on storage failures (they are not "not found"); absence is `undefined`.
 */
import type { InvalidRequest } from './failures.ts';
import type { Result } from './result.ts';

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
  /** Marks the content's DAG complete and pinned with its measured size (replacing a declared one). */
  markComplete(cid: string, size: number | undefined, now: string): Promise<void>;
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

/** Object storage for CARs (the carpark is content-addressed; staging is not). */
export interface BlobStore {
  /**
   * Stores the bytes. With `sha256` (their digest, e.g. a CAR CID's), the store verifies the
   * bytes against it on arrival instead of hashing them again on the way out.
   */
  put(key: string, bytes: Uint8Array, sha256?: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  has(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
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

export type { IngestMessage, PinMessage } from '../../contract/messages.ts';

export interface MessageQueue<T> {
  send(message: T): Promise<void>;
}

export interface Clock {
  now(): Date;
}
