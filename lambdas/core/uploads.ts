/**
 * Uploads: recording a stored DAG for a user, reading, listing, renaming and deleting uploads,
 * and the public content check. Every write is an idempotent upsert in an order that a retry
 * (or the pin-status cron) completes after a crash between any two steps.
 */

import { createHash } from 'node:crypto';
import type { CID } from 'multiformats/cid';
import { MAX_FILE_LIST_ANSWER_BYTES } from '../../contract/limits.ts';
import type { CheckView, NftStatus, PinView } from '../../contract/status.ts';
import { type ContentId, fromCid } from '../codecs/cid.ts';
import type { Principal } from './auth.ts';
import { dealView } from './deals.ts';
import { failure, type InvalidRequest, type NotFound } from './failures.ts';
import type {
  BlobStore,
  CarRecord,
  Clock,
  ContentCheckReader,
  ContentRecord,
  ContentStore,
  DagStructure,
  DealStore,
  IngestMessage,
  MessageQueue,
  PinMessage,
  PinRequestStore,
  StatsStore,
  TokenStore,
  UploadFile,
  UploadPage,
  UploadRecord,
  UploadStore,
} from './ports.ts';
import { err, ok, type Result } from './result.ts';
import { settle } from './stats.ts';

export interface UploadPorts {
  uploads: UploadStore;
  contents: ContentStore;
  carpark: BlobStore;
  pinQueue: MessageQueue<PinMessage>;
  ingestQueue: MessageQueue<IngestMessage>;
  /** Filecoin deals of contents, shown with them. */
  deals: Pick<DealStore, 'list'>;
  /** The usage totals, settled after each write that changes what a record counts for. */
  stats: StatsStore;
  clock: Clock;
}

/** A CAR ready to store: validated (uploaded CAR) or built here (file, directory, /store). */
export interface IncomingCar {
  /** The root exactly as the CAR names it. */
  root: CID;
  /** The CAR's bytes in memory, or a staged CAR that is copied into the carpark. */
  bytes: Uint8Array | StagedCarBytes;
  carCid: CID;
  /** DAG size this CAR tells (undefined when unknown). */
  dagSize: number | undefined;
  structure: DagStructure;
  /** For an incomplete CAR: its link index (see ipfs/link-index.ts), stored beside it. */
  linkIndex?: Uint8Array;
}

/** A verified CAR in the staging bucket: placed in the carpark by server-side copy. */
export interface StagedCarBytes {
  size: number;
  copyTo(carparkKey: string): Promise<void>;
}

/** How many bytes a CAR being stored has, in memory or staged. */
export const carByteLength = (bytes: Uint8Array | StagedCarBytes) =>
  bytes instanceof Uint8Array ? bytes.byteLength : bytes.size;

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

/** An upload's hold on its content: `<userId>#<cid>`, which the cron resolves to the upload. */
export const holderOf = (userId: string, cid: string) => `${userId}#${cid}`;

/** The pinning settings an upload needs: with providers, a stored DAG waits for them. */
export interface UploadSettings {
  PIN_PROVIDERS?: readonly unknown[] | undefined;
}

export const awaitsProviders = (settings: UploadSettings) =>
  (settings.PIN_PROVIDERS?.length ?? 0) > 0;

const NFT_NOT_FOUND = failure.notFound('NFT not found');

export async function storeUpload(
  input: NewUpload,
  ports: UploadPorts,
  settings: UploadSettings = {},
): Promise<NftStatus> {
  const { car, principal } = input;
  const id = fromCid(car.root);
  const now = ports.clock.now().toISOString();
  const carCid = car.carCid.toString();
  const files = fileListOf(input.files);

  // 1. Bytes first: nothing refers to them before they are durably stored. The CAR CID is the
  // SHA-256 of its bytes, so the store checks them against it.
  const carRecord: CarRecord = {
    carCid,
    key: carparkKey(carCid),
    size: car.bytes instanceof Uint8Array ? car.bytes.byteLength : car.bytes.size,
    roots: [car.root.toString()],
    created: now,
  };
  await Promise.all([
    car.bytes instanceof Uint8Array
      ? ports.carpark.put(carRecord.key, car.bytes, car.carCid.multihash.digest)
      : car.bytes.copyTo(carRecord.key),
    car.linkIndex && ports.carpark.put(linkIndexKey(carCid), car.linkIndex),
    files.stored && ports.carpark.put(files.stored.key, files.stored.bytes),
  ]);

  // 2. This user's hold on the content, with the CAR's record, and the pin request (which
  // concerns only the content; a lost one is re-sent by the pin-status cron). The hold comes
  // before the content, so content never exists without one; it stays unconfirmed until the
  // cron sees the upload, or releases it if this request dies before writing the upload.
  const holder = holderOf(principal.userId, id.v1);
  await Promise.all([
    ports.contents.recordCar(id.v1, carRecord, holder),
    ports.pinQueue.send({ op: 'pin', cid: id.v1 }),
  ]);

  // 3. The content and its pin, shared by every uploader of the root.
  const content = await ports.contents.recordStored({
    cid: id.v1,
    size: car.dagSize,
    structure: car.structure,
    now,
    awaitsProviders: awaitsProviders(settings),
  });
  if (content.unpinAfter || content.unpinRequested) await ports.contents.cancelUnpin(id.v1);

  // 4. The user's upload, written after the content it shows, and meanwhile the completeness
  // check of a partial DAG (a lost one is re-queued by the pin-status cron).
  const record: UploadRecord = {
    userId: principal.userId,
    cid: id.v1,
    sourceCid: id.source,
    name: input.name ?? defaultUploadName(now),
    type: input.type,
    files: files.inline,
    ...(files.stored ? { fileList: files.stored.ref } : {}),
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    created: now,
    updated: now,
  };
  // The usage totals follow each record once it is written: the content's meanwhile.
  const [upload] = await Promise.all([
    (async () => {
      const written = await writeUpload(
        record,
        { rename: input.name !== undefined },
        holder,
        now,
        ports,
      );
      await settle({ kind: 'upload', userId: principal.userId, cid: id.v1 }, ports);
      return written;
    })(),
    settle({ kind: 'content', cid: id.v1 }, ports),
    content.structure === 'complete'
      ? undefined
      : ports.ingestQueue.send({ kind: 'check-dag', cid: id.v1 }),
  ]);
  // The answer shows the files of the upload as stored (a repeat keeps the first one's).
  const shown = upload === record ? input.files : await filesOf(upload, ports.carpark);
  return toStatus(upload, content, id.source, shown);
}

/**
 * A file list up to this long (as JSON) stays in its upload's record; a longer one — a
 * directory of thousands of files — is stored beside the CARs, since a DynamoDB item holds at
 * most 400 KB.
 */
export const INLINE_FILE_LIST_BYTES = 32 * 1024;

/** Where a long file list is stored: under the SHA-256 of its JSON, so a retry writes it again. */
export const fileListKey = (sha256Hex: string) => `file-lists/${sha256Hex}.json`;

function fileListOf(files: UploadFile[]) {
  if (files.length === 0) return { inline: files };
  const bytes = new TextEncoder().encode(JSON.stringify(files));
  if (bytes.byteLength <= INLINE_FILE_LIST_BYTES) return { inline: files };
  const key = fileListKey(createHash('sha256').update(bytes).digest('hex'));
  return {
    inline: [],
    stored: { key, bytes, ref: { key, count: files.length, bytes: answerBytes(files) } },
  };
}

/** An upload's files, read from the carpark when the list is stored there. */
async function filesOf(upload: UploadRecord, carpark: BlobStore): Promise<UploadFile[]> {
  if (!upload.fileList) return upload.files;
  const bytes = await carpark.get(upload.fileList.key);
  // The list is stored before the upload that refers to it, so a missing one is a fault.
  if (!bytes) throw new Error(`file list ${upload.fileList.key} is missing from the carpark`);
  return JSON.parse(new TextDecoder().decode(bytes)) as UploadFile[];
}

export const defaultUploadName = (created: string) => `Upload at ${created}`;

/**
 * A first upload is one conditional write. A repeat upload of a root the user already has (or
 * had) keeps its original `created`, type and files, and its name unless a new one was given;
 * it takes the hold again afterwards: a delete of the same upload racing this request may have
 * released it in between (a scheduled unpin left behind is dropped by the cron's holder check).
 * A first upload needs no such repeat, since no delete can have seen it before it existed.
 */
export async function writeUpload(
  record: UploadRecord,
  options: { rename: boolean },
  holder: string,
  now: string,
  ports: Pick<UploadPorts, 'uploads' | 'contents'>,
): Promise<UploadRecord> {
  if (await ports.uploads.create(record)) return record;
  const revived = await ports.uploads.revive(record, options);
  await ports.contents.addHolder(record.cid, holder, now);
  return revived;
}

export async function getUpload(
  principal: Principal,
  id: ContentId,
  ports: Pick<UploadPorts, 'uploads' | 'contents' | 'carpark' | 'deals'>,
): Promise<Result<NftStatus, NotFound>> {
  const upload = await ports.uploads.get(principal.userId, id.v1);
  if (!upload || upload.deleted) return err(NFT_NOT_FOUND);
  const [content, files, deals] = await Promise.all([
    ports.contents.get(upload.cid),
    filesOf(upload, ports.carpark),
    ports.deals.list(upload.cid),
  ]);
  return ok(toStatus(upload, content, id.source, files, deals.map(dealView)));
}

export async function checkContent(
  id: ContentId,
  ports: { checks: ContentCheckReader },
): Promise<Result<CheckView, NotFound>> {
  const { content, deals } = await ports.checks.read(id.v1);
  if (!content) return err(NFT_NOT_FOUND);
  return ok({ cid: id.source, pin: pinView(content), deals: deals.map(dealView) });
}

export interface ListRequest {
  limit: number;
  before?: string;
  cursor?: string;
  namePrefix?: string;
  tokenId?: string;
}

/**
 * Bytes a value takes in an API answer: as JSON, inside the JSON string a Lambda result
 * carries its body in (so each `"` and `\` counts twice). The 6 MB a Lambda may answer is
 * counted this way.
 */
export function answerBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value)));
}

/**
 * Most bytes the statuses of one page of `GET /` take in the answer, well inside the 6 MB a
 * Lambda may answer. A page stops early (with a cursor to the rest) rather than grow past it;
 * its first upload is always included, and fits, since no upload's file list is longer than
 * MAX_FILE_LIST_ANSWER_BYTES.
 */
export const PAGE_ANSWER_BYTES = 4_500_000;

/** Refuses, before anything is written, a file list no answer could carry. */
export function checkFileList(files: readonly UploadFile[]): Result<void, InvalidRequest> {
  const bytes = answerBytes(files);
  if (bytes <= MAX_FILE_LIST_ANSWER_BYTES) return ok(undefined);
  return err(
    failure.invalidRequest(
      `the file list takes ${bytes} bytes in an answer, more than ${MAX_FILE_LIST_ANSWER_BYTES}: use shorter names or fewer files per upload`,
    ),
  );
}

/**
 * An upload's status, at most, in answer bytes: the record holds every field a status shows
 * (and more) but the pin, and a stored file list records what it adds.
 */
function statusAnswerBytes(upload: UploadRecord): number {
  const PIN_AND_DEALS = 400;
  return answerBytes(upload) + (upload.fileList?.bytes ?? 0) + PIN_AND_DEALS;
}

export async function listUploads(
  principal: Principal,
  request: ListRequest,
  ports: Pick<UploadPorts, 'uploads' | 'contents' | 'carpark'> & { tokens: TokenStore },
): Promise<{ statuses: NftStatus[]; next: UploadPage['next'] }> {
  if (request.tokenId !== undefined) {
    // Filtering by someone else's token finds nothing, without reading their uploads.
    const token = await ports.tokens.get(request.tokenId);
    if (token?.userId !== principal.userId) return { statuses: [], next: undefined };
  }
  const page = await ports.uploads.list({ userId: principal.userId, ...request });
  let uploads = page.uploads;
  let next = page.next;
  let budget = PAGE_ANSWER_BYTES;
  for (const [i, upload] of uploads.entries()) {
    budget -= statusAnswerBytes(upload);
    if (budget < 0 && i > 0) {
      uploads = uploads.slice(0, i);
      const last = uploads[i - 1] as UploadRecord;
      next = ports.uploads.positionOf(last);
      break;
    }
  }
  const [contents, files] = await Promise.all([
    ports.contents.getMany([...new Set(uploads.map((u) => u.cid))]),
    Promise.all(uploads.map((u) => filesOf(u, ports.carpark))),
  ]);
  return {
    statuses: uploads.map((u, i) =>
      toStatus(u, contents.get(u.cid), u.sourceCid, files[i] as UploadFile[]),
    ),
    next,
  };
}

export async function renameUpload(
  principal: Principal,
  id: ContentId,
  name: string,
  ports: Pick<UploadPorts, 'uploads' | 'contents' | 'carpark' | 'deals' | 'clock'>,
): Promise<Result<NftStatus, NotFound>> {
  const now = ports.clock.now().toISOString();
  const renamed = await ports.uploads.rename(principal.userId, id.v1, name, now);
  if (!renamed) return err(NFT_NOT_FOUND);
  return getUpload(principal, id, ports);
}

export type DeletePorts = Pick<UploadPorts, 'uploads' | 'contents' | 'stats' | 'clock'> & {
  /** The Pinning Service API's requests of the upload go with it. */
  pinRequests?: PinRequestStore;
};

/**
 * Soft-deletes the caller's upload and releases its hold on the content. The hold is marked
 * unconfirmed first, then the upload hidden, then the hold released: a crash in between leaves
 * an unconfirmed hold of a deleted upload, which the cron releases (as does a repeated delete).
 * The user's pin requests of the CID (Pinning Service API) are part of the upload: they are
 * marked deleted before it goes and removed after (the cron finishes what a crash leaves).
 */
export async function deleteUpload(
  principal: Pick<Principal, 'userId'>,
  id: ContentId,
  ports: DeletePorts,
  settings: { UNPIN_GRACE_DAYS: number },
): Promise<Result<void, NotFound>> {
  const upload = await ports.uploads.get(principal.userId, id.v1);
  if (!upload) return err(NFT_NOT_FOUND);
  const requests = ports.pinRequests
    ? await ports.pinRequests.liveForCid(principal.userId, id.v1)
    : [];
  for (const request of requests) {
    await ports.pinRequests?.markDeleted(
      request.userId,
      request.requestId,
      ports.clock.now().toISOString(),
    );
  }
  const result = await releaseUpload(principal, id, upload, ports, settings);
  for (const request of requests) {
    await ports.pinRequests?.purge(request.userId, request.requestId);
  }
  return result;
}

async function releaseUpload(
  principal: Pick<Principal, 'userId'>,
  id: ContentId,
  upload: UploadRecord,
  ports: DeletePorts,
  settings: { UNPIN_GRACE_DAYS: number },
): Promise<Result<void, NotFound>> {
  const now = ports.clock.now();
  const holder = holderOf(principal.userId, id.v1);
  if (!upload.deleted) await ports.contents.addHolder(upload.cid, holder, now.toISOString());
  const wasLive = upload.deleted
    ? false
    : await ports.uploads.markDeleted(principal.userId, id.v1, now.toISOString());
  const unpinAfter = new Date(now.getTime() + settings.UNPIN_GRACE_DAYS * 86_400_000).toISOString();
  await ports.contents.removeHolder(upload.cid, holder, unpinAfter);
  // A re-upload racing this delete may have revived the upload meanwhile: it keeps its hold.
  const after = await ports.uploads.get(principal.userId, id.v1);
  if (after && !after.deleted) {
    await ports.contents.addHolder(upload.cid, holder, now.toISOString());
    await ports.contents.cancelUnpin(upload.cid);
  }
  await settle({ kind: 'upload', userId: principal.userId, cid: id.v1 }, ports);
  return wasLive ? ok(undefined) : err(NFT_NOT_FOUND);
}

export function pinView(content: ContentRecord): PinView {
  const providers = Object.entries(content.providers ?? {}).map(([name, state]) => ({
    name,
    status: state.status,
    ...(state.size !== undefined ? { size: state.size } : {}),
    ...(state.error ? { error: state.error } : {}),
    updated: state.updated,
  }));
  return {
    cid: content.cid,
    created: content.created,
    size: content.size ?? 0,
    status: content.pinStatus,
    ...(providers.length > 0 ? { providers } : {}),
    ...(content.pinStatus === 'failed' && content.failure
      ? { failure: content.failure.message }
      : {}),
  };
}

export function toStatus(
  upload: UploadRecord,
  content: ContentRecord | undefined,
  requestedCid: string,
  files: UploadFile[],
  /** GET / lists uploads without their deals (one more read each); GET /{cid} has them. */
  deals: NftStatus['deals'] = [],
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
    files,
    size: pin.size,
    name: upload.name,
    pin,
    deals,
  };
}
