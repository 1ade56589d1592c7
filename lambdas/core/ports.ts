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
  /** An admin token may also call the admin routes (POST /deals); set by the CLI only. */
  admin?: true;
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

export interface DealStore {
  get(cid: string, dealId: string): Promise<DealRecord | undefined>;
  /** Writes a deal record whole (its other attributes, like a count mark, stay). */
  put(deal: DealRecord): Promise<void>;
  list(cid: string): Promise<DealRecord[]>;
  /** The content root a stored CAR belongs to (undefined: no such CAR recorded). */
  contentOfCar(carCid: string): Promise<string | undefined>;
}
