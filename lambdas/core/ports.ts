/**
 * Domain records and the ports the core works through. Adapters (DynamoDB, S3, SQS) and the
 * in-memory fakes used by unit tests both implement these; the core never imports an SDK.
 * Adapters throw on storage failures (they are not "not found"); absence is `undefined`.
 */
import type { NftKey } from '../codecs/nft.ts';
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

export interface MessageQueue<T> {
  send(message: T): Promise<void>;
  /** Sends every message (in batches where the queue has them); each arrives once. */
  sendMany(messages: T[]): Promise<void>;
}

export interface Clock {
  now(): Date;
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
 * Asks for CIDs to be pinned by CID for the scraper's system user (see scraper-pins.ts):
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
