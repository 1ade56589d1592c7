/**
 * In-memory implementations of the core's ports. They behave like the DynamoDB, S3 and SQS
 * adapters (the contract suites in test/contract run the same cases against both), so core
 * tests can use them without emulators. Records are copied in and out, as a database would,
 * so a caller mutating a returned object never changes stored state.
 */
import { createHash } from 'node:crypto';
import { type NftKey, nftKeyString, tokenIdKey } from '../../lambdas/codecs/nft.ts';
import { FailureError, failure } from '../../lambdas/core/failures.ts';
import type {
  AdChainStore,
  AnnounceLog,
  BlobStore,
  BlockIndexStore,
  BlockLocation,
  BlockPresence,
  ByteRange,
  CarBlockSource,
  CarRecord,
  ChainCursor,
  ChainPosition,
  Clock,
  CompletedPart,
  ContentCheckReader,
  ContentRecord,
  ContentStore,
  CountedRef,
  CountedState,
  CountMark,
  CronOutcome,
  CronRecord,
  CursorStore,
  DealRecord,
  DealStore,
  IndexedBlock,
  IngestMessage,
  IpniMessage,
  LeaseStore,
  ListUploadsQuery,
  MessageQueue,
  NftRecord,
  NftStore,
  OpsStore,
  PinFailure,
  PinMessage,
  PinProgress,
  PinProvider,
  PinRequest,
  PinRequester,
  PinRequestPage,
  PinRequestRecord,
  PinRequestStore,
  PinStatus,
  PresignedRequest,
  ProviderAnswer,
  ProviderItem,
  ProviderSetStore,
  QueueProgressRecord,
  RateLimitStore,
  StagedStatus,
  StagedUploadRecord,
  StagedUploadStore,
  StagingArea,
  StatsShard,
  StatsStore,
  StoredDag,
  Tally,
  TokenRecord,
  TokenStore,
  TrustlessGateway,
  UploadedPart,
  UploadPage,
  UploadRecord,
  UploadStore,
  UserRecord,
  UserStore,
} from '../../lambdas/core/ports.ts';
import { err, ok } from '../../lambdas/core/result.ts';

/** Sorts after every character a position holds (as the adapters' `HIGH`). */
const HIGH = '\uffff';

/** A stored copy without undefined properties: DynamoDB drops them too. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class FakeUserStore implements UserStore {
  readonly users = new Map<string, UserRecord>();

  async ensure(userId: string, now: string): Promise<UserRecord> {
    if (!this.users.has(userId)) this.users.set(userId, { userId, created: now });
    return copy(this.users.get(userId) as UserRecord);
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    const user = this.users.get(userId);
    return user && copy(user);
  }
}

export class FakeTokenStore implements TokenStore {
  readonly tokens = new Map<string, TokenRecord>();

  async put(token: TokenRecord): Promise<void> {
    // Like the adapter's conditional put: a token id is never reused or overwritten.
    if (this.tokens.has(token.tokenId)) throw conditionFailed(`token ${token.tokenId} exists`);
    this.tokens.set(token.tokenId, copy(token));
  }

  async get(tokenId: string): Promise<TokenRecord | undefined> {
    const token = this.tokens.get(tokenId);
    return token && copy(token);
  }

  async listByUser(userId: string): Promise<TokenRecord[]> {
    return [...this.tokens.values()]
      .filter((token) => token.userId === userId)
      .sort((a, b) => byKey(`${a.created}#${a.tokenId}`, `${b.created}#${b.tokenId}`))
      .map(copy);
  }

  async revoke(tokenId: string, now: string): Promise<boolean> {
    const token = this.tokens.get(tokenId);
    if (!token) return false;
    token.revoked ??= now;
    return true;
  }
}

export class FakeRateLimitStore implements RateLimitStore {
  /** `<key>:<bucket>` -> its count and expiry. */
  readonly buckets = new Map<string, { count: number; expiresAtEpochSeconds: number }>();

  async counts(key: string, first: number, n: number): Promise<number[]> {
    return Array.from({ length: n }, (_, i) => this.buckets.get(`${key}:${first + i}`)?.count ?? 0);
  }

  async take(key: string, bucket: number, budget: number, expiresAtEpochSeconds: number) {
    const count = this.buckets.get(`${key}:${bucket}`)?.count ?? 0;
    if (count >= budget) return false;
    this.buckets.set(`${key}:${bucket}`, { count: count + 1, expiresAtEpochSeconds });
    return true;
  }
}

interface StoredContent {
  record: ContentRecord;
  /**
   * Position in a gsi3 list while the pin is not final (`PIN#queued`, `PIN#pinning`) or its
   * failure is retried (`PIN#retry`): `<time>#<cid>`.
   */
  pending?: { status: PinStatus | 'retry'; position: string };
  /** Position in the pinned list of its provider set (gsi1), while pinned. */
  pinned?: { providerSet: string; position: string };
  /** Position in the unpin-due list (`<unpinAfter>#<multihash>`), until requested/cancelled. */
  unpinDue?: string;
}

export class FakeContentStore implements ContentStore {
  readonly contents = new Map<string, StoredContent>();
  readonly cars = new Map<string, Map<string, CarRecord>>();
  readonly holders = new Map<string, Set<string>>();
  /** Unconfirmed holds: `<cid>#<holder>` -> when recorded. */
  readonly unconfirmed = new Map<string, { cid: string; holder: string; recorded: string }>();

  async get(multihash: string): Promise<ContentRecord | undefined> {
    const stored = this.contents.get(multihash);
    return stored && copy(stored.record);
  }

  async getMany(multihashes: string[]): Promise<Map<string, ContentRecord>> {
    const found = new Map<string, ContentRecord>();
    for (const multihash of multihashes) {
      const stored = this.contents.get(multihash);
      if (stored) found.set(multihash, copy(stored.record));
    }
    return found;
  }

  /** Sets the pin status and the index entries that go with it, as the adapter does. */
  private setStatus(stored: StoredContent, status: PinStatus, now: string, providerSet = '') {
    const { cid } = stored.record;
    stored.record.pinStatus = status;
    stored.record.updated = now;
    if (status === 'pinned') {
      stored.pending = undefined;
      stored.pinned = { providerSet, position: `${now}#${cid}` };
      if (providerSet) stored.record.pinnedWith = providerSet;
      else delete stored.record.pinnedWith;
      delete stored.record.failure;
      delete stored.record.fetch;
    } else {
      stored.pinned = undefined;
      delete stored.record.pinnedWith;
      if (status === 'failed') {
        const retryAt = stored.record.failure?.retryAt;
        stored.pending = retryAt ? { status: 'retry', position: `${retryAt}#${cid}` } : undefined;
      } else {
        stored.pending = { status, position: `${now}#${cid}` };
      }
    }
  }

  async recordStored(dag: StoredDag): Promise<ContentRecord> {
    const existing = this.contents.get(dag.cid);
    if (dag.structure !== 'complete' && existing?.record.pinStatus === 'pinned') {
      return copy(existing.record);
    }
    const stored: StoredContent = existing ?? {
      record: {
        cid: dag.cid,
        created: dag.now,
        updated: dag.now,
        structure: dag.structure,
        pinStatus: 'pinning',
      },
    };
    const record = stored.record;
    const previous = { structure: record.structure, status: record.pinStatus };
    record.structure = dag.structure;
    record.updated = dag.now;
    // Complete: the measured size replaces a declared one; partial: first declared size wins.
    const size =
      dag.structure === 'complete' ? (dag.size ?? record.size) : (record.size ?? dag.size);
    if (size !== undefined) record.size = size;
    if (dag.structure === 'complete') {
      delete record.fetch;
      delete record.failure;
      const kept =
        dag.awaitsProviders &&
        existing !== undefined &&
        previous.structure === 'complete' &&
        (previous.status === 'pinned' || previous.status === 'pinning');
      if (!kept) this.setStatus(stored, dag.awaitsProviders ? 'queued' : 'pinned', dag.now);
    } else {
      this.setStatus(stored, 'pinning', dag.now);
    }
    this.contents.set(dag.cid, stored);
    return copy(record);
  }

  async markComplete(
    multihash: string,
    size: number | undefined,
    now: string,
    awaitsProviders?: boolean,
  ): Promise<void> {
    const stored = this.mustGet(multihash);
    stored.record.structure = 'complete';
    if (size !== undefined) stored.record.size = size;
    delete stored.record.failure;
    this.setStatus(stored, awaitsProviders ? 'queued' : 'pinned', now);
  }

  async markFailed(multihash: string, now: string): Promise<void> {
    const stored = this.contents.get(multihash);
    // Like the adapter's conditional update: unknown or pinned content is left alone.
    if (!stored || stored.record.pinStatus === 'pinned') return;
    stored.record.pinStatus = 'failed';
    stored.record.updated = now;
    stored.pending = undefined;
  }

  async recordRequested(request: {
    cid: string;
    origins: string[];
    now: string;
  }): Promise<ContentRecord> {
    const { cid, origins, now } = request;
    const stored = this.contents.get(cid);
    if (!stored) {
      const created: StoredContent = {
        record: {
          cid,
          structure: 'unknown',
          pinStatus: 'queued',
          created: now,
          updated: now,
          fetch: { origins: [...origins] },
        },
        pending: { status: 'queued', position: `${now}#${cid}` },
      };
      this.contents.set(cid, created);
      return copy(created.record);
    }
    const record = stored.record;
    if (record.pinStatus === 'failed') {
      if (record.structure !== 'complete') {
        record.fetch = { origins: [...new Set([...(record.fetch?.origins ?? []), ...origins])] };
      }
      delete record.failure;
      this.setStatus(stored, 'queued', now);
    } else if (record.fetch) {
      record.fetch.origins = [...new Set([...record.fetch.origins, ...origins])];
    }
    return copy(record);
  }

  async recordCars(multihash: string, cars: CarRecord[]): Promise<void> {
    const stored = this.cars.get(multihash) ?? new Map<string, CarRecord>();
    for (const car of cars) stored.set(car.carCid, copy(car));
    this.cars.set(multihash, stored);
  }

  async startFetch(multihash: string, now: string): Promise<boolean> {
    const stored = this.contents.get(multihash);
    const record = stored?.record;
    if (!stored || !record?.fetch || record.structure === 'complete' || record.unpinRequested) {
      return false;
    }
    record.fetch.started = now;
    this.setStatus(stored, 'pinning', now);
    return true;
  }

  async recordProgress(progress: PinProgress): Promise<void> {
    const stored = this.contents.get(progress.cid);
    if (!stored) return;
    if (progress.status !== 'pinned' && stored.record.pinStatus === 'failed') return;
    stored.record.providers = { ...stored.record.providers, ...copy(progress.providers) };
    if (progress.size !== undefined && progress.status === 'pinned') {
      stored.record.size = progress.size;
    }
    if (progress.status !== 'pinned') delete stored.record.failure;
    this.setStatus(stored, progress.status, progress.now, progress.pinnedWith ?? '');
  }

  async claimProvider(
    multihash: string,
    provider: string,
    now: string,
    staleBefore: string,
    lastError?: string,
  ): Promise<boolean> {
    const stored = this.contents.get(multihash);
    if (!stored) return false;
    const state = stored.record.providers?.[provider];
    if (state?.requestId) return false;
    if (state?.claimed && state.claimed >= staleBefore) return false;
    stored.record.providers = {
      ...stored.record.providers,
      [provider]: {
        status: 'queued',
        claimed: now,
        updated: now,
        ...(lastError ? { error: lastError } : {}),
      },
    };
    return true;
  }

  async recordFailure(multihash: string, failure: PinFailure, now: string): Promise<boolean> {
    const stored = this.contents.get(multihash);
    if (!stored || stored.record.pinStatus === 'pinned') return false;
    stored.record.failure = copy(failure);
    this.setStatus(stored, 'failed', now);
    return true;
  }

  async requeue(multihash: string, now: string): Promise<boolean> {
    const stored = this.contents.get(multihash);
    if (!stored || stored.record.unpinRequested) return false;
    const failure = stored.record.failure;
    this.setStatus(stored, 'queued', now);
    // The attempts so far count towards the next failure's backoff.
    if (failure) stored.record.failure = failure;
    return true;
  }

  async listRetryDue(now: string, limit: number): Promise<ContentRecord[]> {
    const bound = `${now}${HIGH}`;
    return this.listed(
      (stored) =>
        stored.pending?.status === 'retry' && stored.pending.position <= bound
          ? stored.pending.position
          : undefined,
      limit,
    );
  }

  async listPinnedWith(providerSet: string, limit: number): Promise<ContentRecord[]> {
    return this.listed(
      (stored) => (stored.pinned?.providerSet === providerSet ? stored.pinned.position : undefined),
      limit,
    );
  }

  async removeContent(multihash: string, carCids: string[]): Promise<boolean> {
    const stored = this.contents.get(multihash);
    if (!stored?.record.unpinRequested) return false;
    this.contents.delete(multihash);
    const cars = this.cars.get(multihash);
    for (const carCid of carCids) cars?.delete(carCid);
    if (cars?.size === 0) this.cars.delete(multihash);
    return true;
  }

  async rescheduleUnpin(multihash: string, due: string): Promise<void> {
    const stored = this.contents.get(multihash);
    if (!stored) return;
    delete stored.record.unpinRequested;
    stored.record.unpinAfter = due;
    stored.unpinDue = `${due}#${multihash}`;
  }

  /** Records an index lists, by position, oldest first. */
  private listed(
    position: (stored: StoredContent) => string | undefined,
    limit: number,
  ): ContentRecord[] {
    return [...this.contents.values()]
      .flatMap((stored) => {
        const at = position(stored);
        return at === undefined ? [] : [{ at, record: stored.record }];
      })
      .sort((a, b) => byKey(a.at, b.at))
      .slice(0, limit)
      .map((entry) => copy(entry.record));
  }

  async recordCar(multihash: string, car: CarRecord, holder: string): Promise<void> {
    const cars = this.cars.get(multihash) ?? new Map<string, CarRecord>();
    cars.set(car.carCid, copy(car));
    this.cars.set(multihash, cars);
    await this.addHolder(multihash, holder, car.created);
  }

  async listCars(multihash: string): Promise<CarRecord[]> {
    const cars = [...(this.cars.get(multihash)?.values() ?? [])];
    return cars.sort((a, b) => byKey(a.carCid, b.carCid)).map(copy);
  }

  async addHolder(multihash: string, holder: string, now: string): Promise<void> {
    const holders = this.holders.get(multihash) ?? new Set<string>();
    holders.add(holder);
    this.holders.set(multihash, holders);
    this.unconfirmed.set(`${multihash}#${holder}`, { cid: multihash, holder, recorded: now });
    // A scheduled unpin stays: cancelUnpin (or the cron, which re-checks holders) drops it.
  }

  async listUnconfirmedHolders(before: string, limit: number) {
    return [...this.unconfirmed.values()]
      .filter((hold) => hold.recorded < before)
      .sort((a, b) => byKey(a.recorded, b.recorded))
      .slice(0, limit)
      .map(copy);
  }

  async confirmHolder(multihash: string, holder: string, recorded: string): Promise<void> {
    const key = `${multihash}#${holder}`;
    if (this.unconfirmed.get(key)?.recorded === recorded) this.unconfirmed.delete(key);
  }

  async removeHolder(
    multihash: string,
    holder: string,
    unpinAfter: string,
    onlyIfUnconfirmedSince?: string,
  ): Promise<void> {
    // Like the adapter: the unpin first (a later due wins), then the hold.
    const stored = this.contents.get(multihash);
    const due = stored?.record.unpinAfter;
    if (stored && stored.record.unpinRequested === undefined && (!due || due < unpinAfter)) {
      stored.record.unpinAfter = unpinAfter;
      stored.unpinDue = `${unpinAfter}#${multihash}`;
    }
    const key = `${multihash}#${holder}`;
    if (
      onlyIfUnconfirmedSince !== undefined &&
      this.unconfirmed.get(key)?.recorded !== onlyIfUnconfirmedSince
    ) {
      return;
    }
    this.unconfirmed.delete(key);
    const holders = this.holders.get(multihash);
    holders?.delete(holder);
    if (!holders?.size) this.holders.delete(multihash);
  }

  async hasHolders(multihash: string): Promise<boolean> {
    return Boolean(this.holders.get(multihash)?.size);
  }

  async listPending(
    status: PinStatus,
    updatedBefore: string,
    limit: number,
  ): Promise<ContentRecord[]> {
    return this.listed(
      (stored) =>
        stored.pending?.status === status && stored.pending.position < updatedBefore
          ? stored.pending.position
          : undefined,
      limit,
    );
  }

  async listUnpinDue(now: string, limit: number): Promise<ContentRecord[]> {
    const bound = `${now}${HIGH}`;
    return [...this.contents.values()]
      .flatMap((stored) =>
        stored.unpinDue !== undefined && stored.unpinDue <= bound
          ? [{ position: stored.unpinDue, record: stored.record }]
          : [],
      )
      .sort((a, b) => byKey(a.position, b.position))
      .slice(0, limit)
      .map((entry) => copy(entry.record));
  }

  async cancelUnpin(multihash: string, due?: string): Promise<void> {
    const stored = this.contents.get(multihash);
    if (stored && (due === undefined || stored.record.unpinAfter === due)) clearUnpin(stored);
  }

  async markUnpinRequested(multihash: string, now: string): Promise<void> {
    const stored = this.mustGet(multihash);
    stored.record.unpinRequested = now;
    stored.unpinDue = undefined;
  }

  private mustGet(multihash: string): StoredContent {
    const stored = this.contents.get(multihash);
    // The adapter's update is conditional on the item existing.
    if (!stored) throw conditionFailed(`content ${multihash} does not exist`);
    return stored;
  }
}

function clearUnpin(stored: StoredContent) {
  delete stored.record.unpinAfter;
  delete stored.record.unpinRequested;
  stored.unpinDue = undefined;
}

export class FakeUploadStore implements UploadStore {
  readonly uploads = new Map<string, UploadRecord>();

  async get(userId: string, cid: string): Promise<UploadRecord | undefined> {
    const upload = this.uploads.get(uploadKey(userId, cid));
    return upload && copy(upload);
  }

  async create(upload: UploadRecord): Promise<boolean> {
    if (this.uploads.has(uploadKey(upload.userId, upload.cid))) return false;
    const record: UploadRecord = { ...upload };
    delete record.deleted;
    this.uploads.set(uploadKey(upload.userId, upload.cid), copy(record));
    return true;
  }

  async revive(upload: UploadRecord, options: { rename: boolean }): Promise<UploadRecord> {
    const existing = this.uploads.get(uploadKey(upload.userId, upload.cid));
    const record: UploadRecord = existing
      ? {
          ...existing,
          name: options.rename ? upload.name : existing.name,
          updated: upload.updated,
        }
      : { ...upload };
    delete record.deleted;
    this.uploads.set(uploadKey(upload.userId, upload.cid), copy(record));
    return copy(record);
  }

  async markDeleted(userId: string, cid: string, now: string): Promise<boolean> {
    const upload = this.uploads.get(uploadKey(userId, cid));
    if (!upload || upload.deleted !== undefined) return false;
    upload.deleted = now;
    upload.updated = now;
    return true;
  }

  async rename(userId: string, cid: string, name: string, now: string): Promise<boolean> {
    const upload = this.uploads.get(uploadKey(userId, cid));
    if (!upload || upload.deleted !== undefined) return false;
    upload.name = name;
    upload.updated = now;
    return true;
  }

  positionOf(upload: UploadRecord): string {
    return `${upload.created}#${upload.cid}`;
  }

  async list(query: ListUploadsQuery): Promise<UploadPage> {
    const position = (upload: UploadRecord) => this.positionOf(upload);
    const bound = query.before === undefined ? undefined : `${query.before}${HIGH}`;
    const matching = [...this.uploads.values()]
      .filter(
        (upload) =>
          upload.userId === query.userId &&
          upload.deleted === undefined &&
          (query.tokenId === undefined || upload.tokenId === query.tokenId) &&
          (!query.namePrefix || upload.name.startsWith(query.namePrefix)) &&
          (query.cursor
            ? position(upload) < query.cursor
            : bound === undefined || position(upload) <= bound),
      )
      .sort((a, b) => byKey(position(b), position(a)));
    const uploads = matching.slice(0, query.limit).map(copy);
    const last = uploads.at(-1);
    return {
      uploads,
      ...(matching.length > query.limit && last ? { next: position(last) } : {}),
    };
  }
}

const uploadKey = (userId: string, cid: string) => `${userId}#${cid}`;

/** Content-addressed blobs in memory; a missing key is absence, not an error. */
export class FakeBlobStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(key, new Uint8Array(bytes));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const bytes = this.blobs.get(key);
    return bytes && new Uint8Array(bytes);
  }

  async stream(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = this.blobs.get(key);
    if (!bytes) return undefined;
    const part = range ? bytes.slice(range.offset, range.offset + range.length) : bytes.slice();
    return (async function* () {
      // In pieces, as a network body arrives.
      for (let at = 0; at < part.length; at += 64 * 1024) yield part.subarray(at, at + 64 * 1024);
    })();
  }

  async has(key: string): Promise<boolean> {
    return this.blobs.has(key);
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }
}

/** Block places keyed by multihash, as the DynamoDB adapter keys them. */
export class FakeBlockIndexStore implements BlockIndexStore {
  readonly places = new Map<string, Map<string, BlockLocation>>();

  async record(carCid: string, blocks: readonly IndexedBlock[]): Promise<void> {
    for (const block of blocks) {
      const key = Buffer.from(block.multihash).toString('base64url');
      const cars = this.places.get(key) ?? new Map<string, BlockLocation>();
      cars.set(carCid, { carCid, offset: block.offset, length: block.length });
      this.places.set(key, cars);
    }
  }

  async locate(multihash: Uint8Array): Promise<BlockLocation | undefined> {
    const cars = this.places.get(Buffer.from(multihash).toString('base64url'));
    const [first] = cars?.values() ?? [];
    return first && { ...first };
  }

  async forget(carCid: string, multihashes: readonly Uint8Array[]): Promise<void> {
    for (const multihash of multihashes) {
      const key = Buffer.from(multihash).toString('base64url');
      this.places.get(key)?.delete(carCid);
      if (this.places.get(key)?.size === 0) this.places.delete(key);
    }
  }
}

export class FakeStagedUploadStore implements StagedUploadStore {
  readonly staged = new Map<string, StagedUploadRecord>();

  async create(record: StagedUploadRecord): Promise<void> {
    if (this.staged.has(record.id)) throw conditionFailed(`staged upload ${record.id} exists`);
    this.staged.set(record.id, copy(record));
  }

  async get(id: string): Promise<StagedUploadRecord | undefined> {
    const record = this.staged.get(id);
    return record && copy(record);
  }

  async startValidating(id: string, now: string): Promise<boolean> {
    const record = this.staged.get(id);
    if (!record || FINAL_STAGED.includes(record.status)) return false;
    this.staged.set(id, copy({ ...record, status: 'validating', updated: now }));
    return true;
  }

  async finish(
    id: string,
    outcome: Pick<StagedUploadRecord, 'status' | 'cid' | 'failure'>,
    now: string,
    from: readonly StagedStatus[] = ['waiting', 'uploading', 'validating'],
  ): Promise<boolean> {
    const record = this.staged.get(id);
    // A final state is written once, and only from the states asked for.
    if (!record || !from.includes(record.status)) return false;
    this.staged.set(id, copy({ ...record, ...definedOnly(outcome), updated: now }));
    return true;
  }

  async listExpired(before: string, limit: number): Promise<StagedUploadRecord[]> {
    return [...this.staged.values()]
      .filter((r) => (r.status === 'waiting' || r.status === 'uploading') && r.expires < before)
      .sort((a, b) => byKey(`${a.expires}#${a.id}`, `${b.expires}#${b.id}`))
      .slice(0, limit)
      .map(copy);
  }
}

const FINAL_STAGED: readonly StagedStatus[] = ['stored', 'failed'];

/** Leaves out undefined fields, as the adapters' updates do (they never erase an attribute). */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

interface FakeMultipart {
  key: string;
  checksums: boolean;
  parts: Map<number, { bytes: Uint8Array; etag: string }>;
}

/**
 * The staging bucket in memory: presigned requests are recognisable fake URLs (recorded in
 * `signed`), and tests play the client with `put` and `uploadPart`. Objects stream out in
 * small chunks, as S3 sends them.
 */
export class FakeStagingArea implements StagingArea {
  readonly blobs = new Map<string, Uint8Array>();
  readonly multipart = new Map<string, FakeMultipart>();
  readonly signed: (Record<string, unknown> & { kind: 'put' | 'part' })[] = [];
  readonly copies: { key: string; carparkKey: string }[] = [];
  readonly #carpark: FakeBlobStore;
  #uploads = 0;

  constructor(carpark: FakeBlobStore) {
    this.#carpark = carpark;
  }

  /** A client's PUT to a presigned URL (the fake checks nothing, like the emulator). */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(key, new Uint8Array(bytes));
  }

  /** A client's PUT of one part; returns the part's ETag. */
  async uploadPart(uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string> {
    const upload = this.multipart.get(uploadId);
    if (!upload) throw Object.assign(new Error('NoSuchUpload'), { name: 'NoSuchUpload' });
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    upload.parts.set(partNumber, { bytes: new Uint8Array(bytes), etag });
    return etag;
  }

  async presignPut(input: Parameters<StagingArea['presignPut']>[0]): Promise<PresignedRequest> {
    this.signed.push({ kind: 'put', ...input });
    return {
      url: `https://staging.example/${input.key}?expires=${input.expiresInSeconds}`,
      method: 'PUT',
      headers: {
        'content-length': String(input.size),
        ...(input.sha256 ? { 'x-amz-checksum-sha256': input.sha256 } : {}),
      },
    };
  }

  async createMultipart(key: string, options: { checksums: boolean }): Promise<string> {
    const uploadId = `upload-${++this.#uploads}`;
    this.multipart.set(uploadId, { key, checksums: options.checksums, parts: new Map() });
    return uploadId;
  }

  async presignPart(input: Parameters<StagingArea['presignPart']>[0]): Promise<PresignedRequest> {
    this.signed.push({ kind: 'part', ...input });
    return {
      url: `https://staging.example/${input.key}?uploadId=${input.uploadId}&partNumber=${input.partNumber}&expires=${input.expiresInSeconds}`,
      method: 'PUT',
      headers: {
        'content-length': String(input.size),
        ...(input.sha256 ? { 'x-amz-checksum-sha256': input.sha256 } : {}),
      },
    };
  }

  async listParts(_key: string, uploadId: string): Promise<UploadedPart[] | undefined> {
    const upload = this.multipart.get(uploadId);
    if (!upload) return undefined;
    return [...upload.parts]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, part]) => ({ partNumber, size: part.bytes.byteLength, etag: part.etag }));
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]) {
    const upload = this.multipart.get(uploadId);
    if (!upload) return err(failure.invalidRequest('the multipart upload is gone'));
    const chunks: Uint8Array[] = [];
    for (const part of parts) {
      const held = upload.parts.get(part.partNumber);
      if (!held || held.etag.replaceAll('"', '') !== part.etag.replaceAll('"', '')) {
        return err(failure.invalidRequest(`S3 refused the parts: part ${part.partNumber}`));
      }
      chunks.push(held.bytes);
    }
    this.multipart.delete(uploadId);
    this.blobs.set(key, new Uint8Array(Buffer.concat(chunks)));
    return ok(undefined);
  }

  async abortMultipart(_key: string, uploadId: string): Promise<void> {
    this.multipart.delete(uploadId);
  }

  async open(key: string) {
    const bytes = this.blobs.get(key);
    if (!bytes) return undefined;
    const copied = new Uint8Array(bytes);
    async function* body() {
      for (let at = 0; at < copied.byteLength; at += 65_536) {
        yield copied.slice(at, at + 65_536);
      }
    }
    return { size: copied.byteLength, body: body() };
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const bytes = this.blobs.get(key);
    if (!bytes) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return bytes.slice(offset, offset + length);
  }

  async copyToCarpark(key: string, carparkKey: string): Promise<void> {
    const bytes = this.blobs.get(key);
    if (!bytes) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    this.copies.push({ key, carparkKey });
    await this.#carpark.put(carparkKey, bytes);
  }

  async has(key: string): Promise<boolean> {
    return this.blobs.has(key);
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }
}

export class FakePinRequestStore implements PinRequestStore {
  /** `<userId>#<created>` -> the request. */
  readonly requests = new Map<string, PinRequestRecord>();

  async create(record: PinRequestRecord): Promise<boolean> {
    const key = `${record.userId}#${record.created}`;
    if (this.requests.has(key)) return false;
    this.requests.set(key, copy(record));
    return true;
  }

  private find(userId: string, requestId: string) {
    return [...this.requests.values()].find(
      (r) => r.userId === userId && r.requestId === requestId,
    );
  }

  async get(userId: string, requestId: string): Promise<PinRequestRecord | undefined> {
    const found = this.find(userId, requestId);
    return found && copy(found);
  }

  async page(query: {
    userId: string;
    before?: string;
    after?: string;
    cursor?: string;
    limit: number;
  }): Promise<PinRequestPage> {
    const matching = [...this.requests.values()]
      .filter(
        (r) =>
          r.userId === query.userId &&
          !r.deleted &&
          (query.before === undefined || r.created < query.before) &&
          (query.after === undefined || r.created > query.after) &&
          (query.cursor === undefined || r.created < query.cursor),
      )
      .sort((a, b) => byKey(b.created, a.created));
    const requests = matching.slice(0, query.limit).map(copy);
    const last = requests.at(-1);
    return { requests, ...(matching.length > query.limit && last ? { next: last.created } : {}) };
  }

  async liveForCid(userId: string, cid: string): Promise<PinRequestRecord[]> {
    return [...this.requests.values()]
      .filter((r) => r.userId === userId && r.cid === cid && !r.deleted)
      .map(copy);
  }

  async markDeleted(userId: string, requestId: string, now: string): Promise<boolean> {
    const found = this.find(userId, requestId);
    if (!found || found.deleted) return false;
    found.deleted = now;
    return true;
  }

  async listDeleted(before: string, limit: number): Promise<PinRequestRecord[]> {
    return [...this.requests.values()]
      .filter((r) => r.deleted !== undefined && r.deleted < before)
      .sort((a, b) => byKey(a.deleted ?? '', b.deleted ?? ''))
      .slice(0, limit)
      .map(copy);
  }

  async purge(userId: string, requestId: string): Promise<void> {
    const found = this.find(userId, requestId);
    if (found?.deleted) this.requests.delete(`${found.userId}#${found.created}`);
  }
}

export class FakeProviderSetStore implements ProviderSetStore {
  readonly sets = new Set<string>();

  async list(): Promise<string[]> {
    return [...this.sets].sort();
  }

  async add(providerSet: string): Promise<void> {
    this.sets.add(providerSet);
  }

  async remove(providerSet: string): Promise<void> {
    this.sets.delete(providerSet);
  }
}

/**
 * A pinning provider in memory. `mode` decides how it pins: `sync` pins at once (Kubo's
 * dag/import), `async` answers `queued` and pins when `settle()` is called (a remote Pinning
 * Service), `down` throws ProviderUnavailable. Pushed CARs are read to the end and kept.
 */
export class FakeProvider implements PinProvider {
  readonly name: string;
  readonly createsRequests: boolean;
  mode: 'sync' | 'async' | 'down' = 'sync';
  /** cid -> its pin here. */
  readonly pins = new Map<string, { status: PinStatus; requestId?: string }>();
  /** Every pin request made (a remote service would create one object per request). */
  readonly requests: string[] = [];
  /** CAR bytes pushed, by cid. */
  readonly pushed = new Map<string, Uint8Array>();
  readonly unpinned: string[] = [];
  #ids = 0;

  constructor(name = 'fake', options: { createsRequests?: boolean } = {}) {
    this.name = name;
    this.createsRequests = options.createsRequests ?? false;
  }

  #checkUp() {
    if (this.mode === 'down') {
      throw new FailureError(failure.providerUnavailable(this.name, 'unreachable (ECONNREFUSED)'));
    }
  }

  async pin(items: ProviderItem[]): Promise<Map<string, ProviderAnswer>> {
    this.#checkUp();
    const answers = new Map<string, ProviderAnswer>();
    for (const item of items) {
      this.requests.push(item.cid);
      if (!this.createsRequests) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of await item.car()) chunks.push(chunk);
        this.pushed.set(item.cid, Buffer.concat(chunks));
      }
      const requestId = this.createsRequests ? `req-${++this.#ids}` : undefined;
      const status: PinStatus = this.mode === 'async' ? 'queued' : 'pinned';
      this.pins.set(item.cid, { status, ...(requestId ? { requestId } : {}) });
      answers.set(item.cid, { status, ...(requestId ? { requestId } : {}) });
    }
    return answers;
  }

  async status(items: ProviderItem[]): Promise<Map<string, ProviderAnswer>> {
    this.#checkUp();
    const answers = new Map<string, ProviderAnswer>();
    for (const item of items) {
      const pin = this.pins.get(item.cid);
      if (!pin || (item.requestId && pin.requestId !== item.requestId)) {
        answers.set(item.cid, { status: 'absent' });
      } else {
        answers.set(item.cid, {
          status: pin.status,
          ...(pin.requestId ? { requestId: pin.requestId } : {}),
        });
      }
    }
    return answers;
  }

  async unpin(items: ProviderItem[]): Promise<void> {
    this.#checkUp();
    for (const item of items) {
      this.pins.delete(item.cid);
      this.unpinned.push(item.cid);
    }
  }

  /** An async provider finishes its pins. */
  settle(status: PinStatus = 'pinned') {
    for (const pin of this.pins.values()) pin.status = status;
  }
}

/**
 * Trustless gateways in memory: each URL serves the CARs it was given, by root CID (any CID
 * version: looked up by the CIDv1 string); anything else is not found.
 */
export class FakeGateway implements TrustlessGateway {
  readonly cars = new Map<string, Map<string, Uint8Array>>();
  readonly asked: { gateway: string; cid: string }[] = [];

  serve(gateway: string, cid: string, car: Uint8Array) {
    const served = this.cars.get(gateway) ?? new Map<string, Uint8Array>();
    served.set(cid, car);
    this.cars.set(gateway, served);
  }

  async fetchCar(gateway: string, cid: string) {
    this.asked.push({ gateway, cid });
    const car = this.cars.get(gateway)?.get(cid);
    if (!car) {
      return { ok: false as const, error: { kind: 'not-found' as const, message: 'answered 404' } };
    }
    return {
      ok: true as const,
      value: (async function* () {
        for (let i = 0; i < car.length; i += 64 * 1024) yield car.slice(i, i + 64 * 1024);
      })(),
    };
  }
}

/** Records every message sent, serialised as SQS would carry it. */
export class FakeQueue<T> implements MessageQueue<T> {
  readonly sent: T[] = [];

  async send(message: T): Promise<void> {
    this.sent.push(copy(message));
  }
}

export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2024-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

const keyOfRecord = (record: NftRecord): NftKey => ({
  chainId: record.chainId,
  contract: record.contract,
  tokenId: BigInt(record.tokenId),
});

export class FakeNftStore implements NftStore {
  readonly records = new Map<string, NftRecord>();

  async get(key: NftKey): Promise<NftRecord | undefined> {
    const record = this.records.get(nftKeyString(key));
    return record && copy(record);
  }

  async getMany(keys: NftKey[]): Promise<Map<string, NftRecord>> {
    const found = new Map<string, NftRecord>();
    for (const key of keys) {
      const record = this.records.get(nftKeyString(key));
      if (record) found.set(nftKeyString(key), copy(record));
    }
    return found;
  }

  async putMany(records: NftRecord[]): Promise<void> {
    for (const record of records) this.records.set(nftKeyString(keyOfRecord(record)), copy(record));
  }

  async listRange(chainId: number, contract: string, from: bigint, to: bigint, limit: number) {
    return [...this.records.values()]
      .filter((record) => {
        const id = BigInt(record.tokenId);
        return record.chainId === chainId && record.contract === contract && id >= from && id <= to;
      })
      .sort((a, b) => byKey(tokenIdKey(BigInt(a.tokenId)), tokenIdKey(BigInt(b.tokenId))))
      .slice(0, limit)
      .map(copy);
  }

  async listMetadataDue(now: string, limit: number) {
    const position = (r: NftRecord) => `${r.metadataDue}#${nftKeyString(keyOfRecord(r))}`;
    return [...this.records.values()]
      .filter((record) => record.metadataDue !== undefined && record.metadataDue <= now)
      .sort((a, b) => byKey(position(a), position(b)))
      .slice(0, limit)
      .map(copy);
  }
}

export class FakeCursorStore implements CursorStore {
  readonly cursors = new Map<number, ChainCursor>();

  async get(chainId: number): Promise<ChainCursor | undefined> {
    const cursor = this.cursors.get(chainId);
    return cursor && copy(cursor);
  }

  async save(cursor: ChainCursor, expectedVersion: number): Promise<boolean> {
    if ((this.cursors.get(cursor.chainId)?.version ?? 0) !== expectedVersion) return false;
    this.cursors.set(cursor.chainId, copy({ ...cursor, version: expectedVersion + 1 }));
    return true;
  }
}

export class FakeLeaseStore implements LeaseStore {
  readonly leases = new Map<string, { holder: string; expires: number }>();

  async acquire(job: string, holder: string, now: Date, ttlSeconds: number): Promise<boolean> {
    const lease = this.leases.get(job);
    if (lease && lease.expires >= now.getTime()) return false;
    this.leases.set(job, { holder, expires: now.getTime() + ttlSeconds * 1000 });
    return true;
  }

  async release(job: string, holder: string): Promise<void> {
    if (this.leases.get(job)?.holder === holder) this.leases.delete(job);
  }
}

/** Records pin requests like the table rows: each CID once, first request wins. */
export class FakePinRequester implements PinRequester {
  readonly requested = new Map<string, PinRequest>();
  calls = 0;

  async requestPins(requests: PinRequest[]): Promise<void> {
    this.calls++;
    for (const request of requests) {
      if (!this.requested.has(request.cid)) this.requested.set(request.cid, copy(request));
    }
  }
}

/** The IPNI chain in memory: positions taken once, placements overwritten, as in the table. */
export class FakeAdChainStore implements AdChainStore {
  readonly positions = new Map<number, ChainPosition>();
  readonly placed = new Map<string, number>();

  async head(): Promise<ChainPosition | undefined> {
    const top = Math.max(0, ...this.positions.keys());
    const position = this.positions.get(top);
    return position && copy(position);
  }

  async after(seq: number): Promise<ChainPosition[]> {
    return [...this.positions.values()]
      .filter((p) => p.seq > seq)
      .sort((a, b) => a.seq - b.seq)
      .map(copy);
  }

  async at(seqs: readonly number[]): Promise<Map<number, ChainPosition>> {
    const found = new Map<number, ChainPosition>();
    for (const seq of seqs) {
      const position = this.positions.get(seq);
      if (position) found.set(seq, copy(position));
    }
    return found;
  }

  async claim(position: ChainPosition): Promise<boolean> {
    if (this.positions.has(position.seq)) return false;
    this.positions.set(position.seq, copy(position));
    return true;
  }

  async placements(keys: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const key of keys) {
      const seq = this.placed.get(key);
      if (seq !== undefined) found.set(key, seq);
    }
    return found;
  }

  async place(keys: readonly string[], seq: number): Promise<void> {
    for (const key of keys) this.placed.set(key, seq);
  }

  async withdrawalsOf(content: string): Promise<{ key: string; seq: number }[]> {
    return [...this.placed.entries()]
      .filter(([key]) => key.startsWith(`${content} WITHDRAW#`))
      .map(([key, seq]) => ({ key, seq }));
  }
}

/** Stored CARs by CID: their roots and block multihashes. */
export class FakeCarBlockSource implements CarBlockSource {
  readonly cars = new Map<string, { roots: string[]; multihashes: Uint8Array[] }>();

  add(carCid: string, roots: string[], multihashes: Uint8Array[]): void {
    this.cars.set(carCid, { roots, multihashes });
  }

  async roots(carCid: string): Promise<string[] | undefined> {
    return this.cars.get(carCid)?.roots.slice();
  }

  async multihashes(carCid: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const car = this.cars.get(carCid);
    if (!car) return undefined;
    return (async function* () {
      yield* car.multihashes;
    })();
  }
}

export class FakeAnnounceLog implements AnnounceLog {
  readonly heads = new Map<string, { ad: string; at: string }>();

  async announced(urls: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const url of urls) {
      const head = this.heads.get(url);
      if (head) found.set(url, head.ad);
    }
    return found;
  }

  async record(url: string, ad: string, now: string): Promise<void> {
    this.heads.set(url, { ad, at: now });
  }
}

/** Blocks held, by multihash bytes. */
export class FakeBlockPresence implements BlockPresence {
  readonly held = new Set<string>();

  add(...multihashes: Uint8Array[]): void {
    for (const multihash of multihashes) this.held.add(Buffer.from(multihash).toString('hex'));
  }

  async has(multihash: Uint8Array): Promise<boolean> {
    return this.held.has(Buffer.from(multihash).toString('hex'));
  }
}

/** The error a failed DynamoDB condition surfaces as, so callers see the same failure name. */
function conditionFailed(message: string): Error {
  const error = new Error(`The conditional request failed: ${message}`);
  error.name = 'ConditionalCheckFailedException';
  return error;
}

export class FakeDealStore implements DealStore {
  readonly deals = new Map<string, DealRecord>();
  readonly #contents: FakeContentStore;

  /** CARs are found through the content store's CAR records, as the adapter's index does. */
  constructor(contents: FakeContentStore) {
    this.#contents = contents;
  }

  async get(cid: string, dealId: string): Promise<DealRecord | undefined> {
    const deal = this.deals.get(`${cid}#${dealId}`);
    return deal && copy(deal);
  }

  async put(deal: DealRecord): Promise<void> {
    this.deals.set(`${deal.cid}#${deal.dealId}`, copy(deal));
  }

  async list(cid: string): Promise<DealRecord[]> {
    return [...this.deals.values()]
      .filter((deal) => deal.cid === cid)
      .sort((a, b) => byKey(a.dealId, b.dealId))
      .map(copy);
  }

  async contentOfCar(carCid: string): Promise<string | undefined> {
    for (const [cid, cars] of this.#contents.cars) if (cars.has(carCid)) return cid;
    return undefined;
  }
}

/**
 * The usage totals over the other fakes' records. Marks are kept apart from the records here
 * (the adapter keeps them on the record's item, where a rewrite of the record leaves them).
 */
export class FakeStatsStore implements StatsStore {
  readonly marks = new Map<string, CountMark>();
  readonly shardItems = new Map<number, StatsShard>();

  private readonly records: {
    contents: FakeContentStore;
    uploads: FakeUploadStore;
    users: FakeUserStore;
    deals: FakeDealStore;
  };

  constructor(records: FakeStatsStore['records']) {
    this.records = records;
  }

  private recordOf(ref: CountedRef): CountedState['record'] {
    switch (ref.kind) {
      case 'content':
        return this.records.contents.contents.get(ref.cid)?.record;
      case 'upload':
        return this.records.uploads.uploads.get(`${ref.userId}#${ref.cid}`);
      case 'user':
        return this.records.users.users.get(ref.userId);
      case 'deal':
        return this.records.deals.deals.get(`${ref.cid}#${ref.dealId}`);
    }
  }

  async read(ref: CountedRef): Promise<CountedState> {
    const record = this.recordOf(ref);
    const mark = this.marks.get(JSON.stringify(ref));
    return { record: record && copy(record), mark: mark && copy(mark) };
  }

  async mark(ref: CountedRef, previous: CountMark | undefined, next: CountMark) {
    const key = JSON.stringify(ref);
    if (!this.recordOf(ref) || this.marks.get(key)?.id !== previous?.id) return false;
    this.marks.set(key, copy(next));
    return true;
  }

  async add(shard: number, delta: Tally): Promise<void> {
    const item = this.shardItems.get(shard) ?? { shard, tally: {}, version: 0 };
    for (const [name, n] of Object.entries(delta)) item.tally[name] = (item.tally[name] ?? 0) + n;
    item.version++;
    this.shardItems.set(shard, item);
  }

  async shards(): Promise<StatsShard[]> {
    return [...this.shardItems.values()].map((item) => {
      const tally = Object.fromEntries(Object.entries(item.tally).filter(([, n]) => n !== 0));
      return copy({ ...item, tally });
    });
  }

  async rebase(shard: number, tally: Tally, version: number): Promise<boolean> {
    if ((this.shardItems.get(shard)?.version ?? 0) !== version) return false;
    this.shardItems.set(shard, { shard, tally: copy(tally), version: version + 1 });
    return true;
  }

  async *scan(segment: number, segments: number) {
    const refs: CountedRef[] = [
      ...[...this.records.contents.contents.keys()].map((cid) => ({
        kind: 'content' as const,
        cid,
      })),
      ...[...this.records.uploads.uploads.values()].map((u) => ({
        kind: 'upload' as const,
        userId: u.userId,
        cid: u.cid,
      })),
      ...[...this.records.users.users.keys()].map((userId) => ({ kind: 'user' as const, userId })),
      ...[...this.records.deals.deals.values()].map((d) => ({
        kind: 'deal' as const,
        cid: d.cid,
        dealId: d.dealId,
      })),
    ];
    for (const [i, ref] of refs.entries()) {
      if (i % segments === segment) yield { ref, ...(await this.read(ref)) };
    }
  }
}

export class FakeOpsStore implements OpsStore {
  readonly crons = new Map<string, CronRecord>();
  readonly queues = new Map<string, QueueProgressRecord>();

  async recordRun(name: string, outcome: CronOutcome): Promise<void> {
    const record: CronRecord = {
      ...this.crons.get(name),
      name,
      lastDurationMs: outcome.durationMs,
    };
    if (outcome.ok)
      Object.assign(record, { lastSuccess: outcome.at, gauges: outcome.gauges ?? [] });
    else Object.assign(record, { lastFailure: outcome.at, lastError: outcome.error });
    this.crons.set(name, record);
  }

  async recordProgress(queue: string, at: string, waitedSeconds: number): Promise<void> {
    this.queues.set(queue, { queue, lastProcessed: at, waitedSeconds });
  }

  async read() {
    return {
      crons: [...this.crons.values()].map(copy),
      queues: [...this.queues.values()].map(copy),
    };
  }
}

/** Every port the core works through, in memory, sharing one clock. */
export function fakePorts(clock = new FakeClock()) {
  const users = new FakeUserStore();
  const contents = new FakeContentStore();
  const uploads = new FakeUploadStore();
  const deals = new FakeDealStore(contents);
  const carpark = new FakeBlobStore();
  return {
    users,
    tokens: new FakeTokenStore(),
    rateLimits: new FakeRateLimitStore(),
    contents,
    uploads,
    deals,
    checks: {
      read: async (cid: string) => ({
        content: await contents.get(cid),
        deals: await deals.list(cid),
      }),
    } satisfies ContentCheckReader,
    stats: new FakeStatsStore({ contents, uploads, users, deals }),
    ops: new FakeOpsStore(),
    nfts: new FakeNftStore(),
    staged: new FakeStagedUploadStore(),
    carpark,
    staging: new FakeStagingArea(carpark),
    pinQueue: new FakeQueue<PinMessage>(),
    ingestQueue: new FakeQueue<IngestMessage>(),
    ipniQueue: new FakeQueue<IpniMessage>(),
    blocks: new FakeBlockIndexStore(),
    pinRequests: new FakePinRequestStore(),
    leases: new FakeLeaseStore(),
    providerSets: new FakeProviderSetStore(),
    gateway: new FakeGateway(),
    clock,
  };
}

export type FakePorts = ReturnType<typeof fakePorts>;

/** Thrown by a port method made to fail by `failNext`: a crash between two steps. */
export class InjectedFailure extends Error {
  override name = 'InjectedFailure';
}

/**
 * Makes the next `times` calls of `port[method]` throw before doing anything, then restores
 * normal behaviour: simulates a Lambda dying or a storage call failing at that step.
 */
export function failNext<P extends object, K extends keyof P & string>(
  port: P,
  method: K,
  times = 1,
): void {
  const original = port[method];
  if (typeof original !== 'function') throw new TypeError(`${method} is not a method`);
  let remaining = times;
  const wrapped = (...args: unknown[]) => {
    if (remaining > 0) {
      remaining--;
      return Promise.reject(new InjectedFailure(`injected failure in ${method}`));
    }
    return (original as (...a: unknown[]) => unknown).apply(port, args);
  };
  Object.defineProperty(port, method, { value: wrapped, configurable: true, writable: true });
}

/**
 * Holds the next call of `port[method]` until `release()`: lets a test run another operation in
 * between two steps of a first one, deterministically. `reached` resolves when the call arrives.
 */
export function pauseBefore<P extends object, K extends keyof P & string>(port: P, method: K) {
  const original = port[method];
  if (typeof original !== 'function') throw new TypeError(`${method} is not a method`);
  let arrive = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let paused = false;
  const wrapped = async (...args: unknown[]) => {
    if (!paused) {
      paused = true;
      arrive();
      await released;
    }
    return (original as (...a: unknown[]) => unknown).apply(port, args);
  };
  Object.defineProperty(port, method, { value: wrapped, configurable: true, writable: true });
  return { reached, release };
}
