/**
 * Uploads: recording a stored DAG for a user, reading, listing, renaming and deleting uploads,
 * and the public content check. Every write is an idempotent upsert in an order that a retry
 * (or the pin-status cron) completes after a crash between any two steps.
 */
import type { CID } from 'multiformats/cid';
import type { CheckView, NftStatus, PinView } from '../../contract/status.ts';
import { type ContentId, fromCid } from '../codecs/cid.ts';
import type { Principal } from './auth.ts';
import { failure, type NotFound } from './failures.ts';
import type {
  BlobStore,
  CarRecord,
  Clock,
  ContentRecord,
  ContentStore,
  DagStructure,
  IngestMessage,
  MessageQueue,
  PinMessage,
  TokenStore,
  UploadFile,
  UploadPage,
  UploadRecord,
  UploadStore,
} from './ports.ts';
import { err, ok, type Result } from './result.ts';

export interface UploadPorts {
  uploads: UploadStore;
  contents: ContentStore;
  carpark: BlobStore;
  pinQueue: MessageQueue<PinMessage>;
  ingestQueue: MessageQueue<IngestMessage>;
  clock: Clock;
}

/** A CAR ready to store: validated (uploaded CAR) or built here (file, directory, /store). */
export interface IncomingCar {
  /** The root exactly as the CAR names it. */
  root: CID;
  bytes: Uint8Array;
  carCid: CID;
  /** DAG size this CAR tells (undefined when unknown). */
  dagSize: number | undefined;
  structure: DagStructure;
  /** For an incomplete CAR: its link index (see ipfs/link-index.ts), stored beside it. */
  linkIndex?: Uint8Array;
}

export interface NewUpload {
  principal: Principal;
  car: IncomingCar;
  name?: string;
  type: string;
  files: UploadFile[];
}

export type { NftStatus, PinView } from '../../contract/status.ts';

/** Where a CAR lives in the carpark: under its own CID, so a retry rewrites the same key. */
export const carparkKey = (carCid: string) => `${carCid}/${carCid}.car`;
/** Where an incomplete CAR's link index lives, beside the CAR. */
export const linkIndexKey = (carCid: string) => `${carCid}/${carCid}.links.cbor`;

const holderOf = (userId: string, cid: string) => `${userId}#${cid}`;

const NFT_NOT_FOUND = failure.notFound('NFT not found');

export async function storeUpload(input: NewUpload, ports: UploadPorts): Promise<NftStatus> {
  const { car, principal } = input;
  const id = fromCid(car.root);
  const now = ports.clock.now().toISOString();
  const carCid = car.carCid.toString();

  // 1. Bytes first: nothing refers to a CAR before it is durably stored. The CAR CID is the
  // SHA-256 of its bytes, so the store checks them against it.
  const carRecord: CarRecord = {
    carCid,
    key: carparkKey(carCid),
    size: car.bytes.length,
    roots: [car.root.toString()],
    created: now,
  };
  await Promise.all([
    ports.carpark.put(carRecord.key, car.bytes, car.carCid.multihash.digest),
    car.linkIndex && ports.carpark.put(linkIndexKey(carCid), car.linkIndex),
  ]);

  // 2. The content and its pin (shared by every uploader of the root), and in one batch the
  // CAR's record and this user's hold on the content: independent idempotent writes, so they
  // go out together, and with them the pin request, which concerns only the content (a lost
  // one is re-sent by the pin-status cron).
  const holder = holderOf(principal.userId, id.v1);
  const [content] = await Promise.all([
    ports.contents.recordStored({
      cid: id.v1,
      size: car.dagSize,
      structure: car.structure,
      now,
    }),
    ports.contents.recordCar(id.v1, carRecord, holder),
    ports.pinQueue.send({ op: 'pin', cid: id.v1 }),
  ]);
  if (content.unpinAfter || content.unpinRequested) await ports.contents.cancelUnpin(id.v1);

  // 3. The user's upload, written after the content it shows, and meanwhile the completeness
  // check of a partial DAG (a lost one is re-queued by the pin-status cron).
  const record: UploadRecord = {
    userId: principal.userId,
    cid: id.v1,
    sourceCid: id.source,
    name: input.name ?? defaultUploadName(now),
    type: input.type,
    files: input.files,
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    created: now,
    updated: now,
  };
  const [upload] = await Promise.all([
    writeUpload(record, { rename: input.name !== undefined }, holder, ports),
    content.pinStatus === 'pinned'
      ? undefined
      : ports.ingestQueue.send({ kind: 'check-dag', cid: id.v1 }),
  ]);

  return toStatus(upload, content, id.source);
}

export const defaultUploadName = (created: string) => `Upload at ${created}`;

/**
 * A first upload is one conditional write. A repeat upload of a root the user already has (or
 * had) keeps its original `created`, type and files, and its name unless a new one was given;
 * it takes the hold again afterwards: a delete of the same upload racing this request may have
 * released it in between (a scheduled unpin left behind is dropped by the cron's holder check).
 * A first upload needs no such repeat, since no delete can have seen it before it existed.
 */
async function writeUpload(
  record: UploadRecord,
  options: { rename: boolean },
  holder: string,
  ports: Pick<UploadPorts, 'uploads' | 'contents'>,
): Promise<UploadRecord> {
  if (await ports.uploads.create(record)) return record;
  const revived = await ports.uploads.revive(record, options);
  await ports.contents.addHolder(record.cid, holder);
  return revived;
}

export async function getUpload(
  principal: Principal,
  id: ContentId,
  ports: Pick<UploadPorts, 'uploads' | 'contents'>,
): Promise<Result<NftStatus, NotFound>> {
  const upload = await ports.uploads.get(principal.userId, id.v1);
  if (!upload || upload.deleted) return err(NFT_NOT_FOUND);
  const content = await ports.contents.get(upload.cid);
  return ok(toStatus(upload, content, id.source));
}

export async function checkContent(
  id: ContentId,
  ports: Pick<UploadPorts, 'contents'>,
): Promise<Result<CheckView, NotFound>> {
  const content = await ports.contents.get(id.v1);
  if (!content) return err(NFT_NOT_FOUND);
  return ok({ cid: id.source, pin: pinView(content), deals: [] });
}

export interface ListRequest {
  limit: number;
  before?: string;
  cursor?: string;
  namePrefix?: string;
  tokenId?: string;
}

export async function listUploads(
  principal: Principal,
  request: ListRequest,
  ports: Pick<UploadPorts, 'uploads' | 'contents'> & { tokens: TokenStore },
): Promise<{ statuses: NftStatus[]; next: UploadPage['next'] }> {
  if (request.tokenId !== undefined) {
    // Filtering by someone else's token finds nothing, without reading their uploads.
    const token = await ports.tokens.get(request.tokenId);
    if (token?.userId !== principal.userId) return { statuses: [], next: undefined };
  }
  const page = await ports.uploads.list({ userId: principal.userId, ...request });
  const contents = await ports.contents.getMany([...new Set(page.uploads.map((u) => u.cid))]);
  return {
    statuses: page.uploads.map((u) => toStatus(u, contents.get(u.cid), u.sourceCid)),
    next: page.next,
  };
}

export async function renameUpload(
  principal: Principal,
  id: ContentId,
  name: string,
  ports: Pick<UploadPorts, 'uploads' | 'contents' | 'clock'>,
): Promise<Result<NftStatus, NotFound>> {
  const now = ports.clock.now().toISOString();
  const renamed = await ports.uploads.rename(principal.userId, id.v1, name, now);
  if (!renamed) return err(NFT_NOT_FOUND);
  return getUpload(principal, id, ports);
}

export type DeletePorts = Pick<UploadPorts, 'uploads' | 'contents' | 'clock'>;

/**
 * Soft-deletes the caller's upload and releases its hold on the content. The hold is released
 * after the upload is hidden, and again on a repeated delete, so a crash in between is repaired
 * by the client's retry; until then the content simply stays pinned.
 */
export async function deleteUpload(
  principal: Principal,
  id: ContentId,
  ports: DeletePorts,
  settings: { UNPIN_GRACE_DAYS: number },
): Promise<Result<void, NotFound>> {
  const upload = await ports.uploads.get(principal.userId, id.v1);
  if (!upload) return err(NFT_NOT_FOUND);
  const now = ports.clock.now();
  const wasLive = upload.deleted
    ? false
    : await ports.uploads.markDeleted(principal.userId, id.v1, now.toISOString());
  const unpinAfter = new Date(now.getTime() + settings.UNPIN_GRACE_DAYS * 86_400_000).toISOString();
  const holder = holderOf(principal.userId, id.v1);
  await ports.contents.removeHolder(upload.cid, holder, unpinAfter);
  // A re-upload racing this delete may have revived the upload meanwhile: it keeps its hold.
  const after = await ports.uploads.get(principal.userId, id.v1);
  if (after && !after.deleted) {
    await ports.contents.addHolder(upload.cid, holder);
    await ports.contents.cancelUnpin(upload.cid);
  }
  return wasLive ? ok(undefined) : err(NFT_NOT_FOUND);
}

export function pinView(content: ContentRecord): PinView {
  return {
    cid: content.cid,
    created: content.created,
    size: content.size ?? 0,
    status: content.pinStatus,
  };
}

export function toStatus(
  upload: UploadRecord,
  content: ContentRecord | undefined,
  requestedCid: string,
): NftStatus {
  // Content is written before the upload, so it is only absent if the table lost it.
  const pin: PinView = content
    ? pinView(content)
    : { cid: upload.cid, created: upload.created, size: 0, status: 'queued' };
  return {
    cid: requestedCid,
    created: upload.created,
    type: upload.type,
    scope: upload.tokenName,
    files: upload.files,
    size: pin.size,
    name: upload.name,
    pin,
    deals: [],
  };
}
