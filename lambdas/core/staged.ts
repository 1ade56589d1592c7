/**
 * Staged uploads: content too large for an API request goes straight to S3. The API records an
 * intent and hands out presigned requests — one PUT bound to the declared size (and SHA-256,
 * when declared) up to the part size, an S3 multipart upload with presigned part URLs above it.
 * The object's ObjectCreated event brings the ingest consumer, which streams the CAR, verifies
 * every block as it passes (the local emulator checks no signature or checksum), and places the
 * CAR in the carpark by server-side copy, storing it like POST /upload.
 */
import { randomUUID } from 'node:crypto';
import { FIRST_PART_URLS } from '../../contract/limits.ts';
import { STAGING_LIFETIME_DAYS } from '../../system/functions.ts';
import { S3_MAX_PARTS } from '../../system/platform.ts';
import type { Principal } from './auth.ts';
import {
  type ContentMismatch,
  failure,
  type IngestFailed,
  type InvalidCar,
  type InvalidRequest,
  type NotFound,
  type PayloadTooLarge,
  type UploadAborted,
  type UploadExpired,
  type UploadNotOpen,
} from './failures.ts';
import { verifyCar } from './ipfs/car.ts';
import { encodeLinkIndex } from './ipfs/link-index.ts';
import {
  type Clock,
  type CompletedPart,
  OPEN_STAGED_STATUSES,
  type PresignedRequest,
  type StagedUploadRecord,
  type StagedUploadStore,
  type StagingArea,
  type UploadedPart,
} from './ports.ts';
import { err, ok, type Result } from './result.ts';
import { type NftStatus, storeUpload, type UploadPorts } from './uploads.ts';

/** Staged objects live under this prefix; the bucket notification watches it. */
export const STAGED_PREFIX = 'cars/';
const stagedKey = (id: string) => `${STAGED_PREFIX}${id}.car`;
const STAGED_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STAGED_KEY_PATTERN = /^cars\/([0-9a-f-]{36})\.car$/;

/** A multipart upload takes parts as long as the staging bucket keeps incomplete uploads. */
export const MULTIPART_LIFETIME_MS = STAGING_LIFETIME_DAYS * 86_400_000;
/**
 * How long after `expires` an open upload is left alone: a PUT that started in time may still be
 * arriving, and its ObjectCreated event may still be on its way to the ingest.
 */
export const EXPIRY_GRACE_MS = 3_600_000;

export interface StagePorts {
  staged: StagedUploadStore;
  staging: StagingArea;
  clock: Clock;
}

export interface StageSettings {
  MAX_STAGED_UPLOAD_BYTES: number;
  STAGED_URL_LIFETIME_SECONDS: number;
  STAGED_PART_BYTES: number;
}

export interface StageRequest {
  size: number;
  sha256?: string | undefined;
  name?: string | undefined;
  partSize?: number | undefined;
  partChecksums?: boolean | undefined;
}

export interface StagedUploadView {
  id: string;
  status: StagedUploadRecord['status'];
  created: string;
  expires: string;
  size: number;
  name?: string;
  method: 'PUT' | 'multipart';
  partSize?: number;
  partCount?: number;
  /** Multipart, while uploading: what S3 already has. */
  parts?: UploadedPart[];
  cid?: string;
  failure?: StagedFailure;
}

export interface PartUrl extends PresignedRequest {
  partNumber: number;
  size: number;
}

export type StagedTicket = StagedUploadView & {
  upload:
    | ({ method: 'PUT' } & Omit<PresignedRequest, 'method'>)
    | { method: 'multipart'; partSize: number; partCount: number; parts: PartUrl[] };
};

/** Why a staged upload failed, as recorded (the edge maps the name to its error code). */
export type StagedFailure = Pick<
  StagedRejection | UploadExpired | UploadAborted | IngestFailed,
  'name' | 'message'
>;
type StagedRejection = InvalidCar | ContentMismatch;

const NOT_FOUND = failure.notFound('Staged upload not found');

export async function stageUpload(
  principal: Principal,
  request: StageRequest,
  ports: StagePorts,
  settings: StageSettings,
): Promise<Result<StagedTicket, PayloadTooLarge | InvalidRequest>> {
  const limit = settings.MAX_STAGED_UPLOAD_BYTES;
  if (request.size > limit) {
    return err(
      failure.payloadTooLarge(
        `A staged upload takes at most ${limit} bytes; split the DAG into several CARs that share its root and stage each.`,
      ),
    );
  }
  const partSize = request.partSize ?? settings.STAGED_PART_BYTES;
  if (partSize > settings.STAGED_PART_BYTES) {
    return err(failure.invalidRequest(`partSize is at most ${settings.STAGED_PART_BYTES} bytes`));
  }
  const multipart = request.size > partSize;
  const partCount = Math.ceil(request.size / partSize);
  if (multipart && partCount > S3_MAX_PARTS) {
    return err(
      failure.invalidRequest(
        `${partCount} parts of ${partSize} bytes: S3 takes at most ${S3_MAX_PARTS}; ask for larger parts`,
      ),
    );
  }

  const now = ports.clock.now();
  const id = randomUUID();
  const key = stagedKey(id);
  const lifetimeMs = multipart
    ? MULTIPART_LIFETIME_MS
    : settings.STAGED_URL_LIFETIME_SECONDS * 1000;
  const record: StagedUploadRecord = {
    id,
    userId: principal.userId,
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    ...(request.name ? { name: request.name } : {}),
    size: request.size,
    ...(request.sha256 ? { sha256: request.sha256 } : {}),
    key,
    created: now.toISOString(),
    expires: new Date(now.getTime() + lifetimeMs).toISOString(),
    method: multipart ? 'multipart' : 'put',
    status: multipart ? 'uploading' : 'waiting',
  };
  if (!multipart) {
    // The intent exists before anyone can PUT, so every staged object has an owner to find.
    await ports.staged.create(record);
    const put = await ports.staging.presignPut({
      key,
      size: record.size,
      ...(record.sha256 ? { sha256: record.sha256 } : {}),
      expiresInSeconds: settings.STAGED_URL_LIFETIME_SECONDS,
    });
    return ok({ ...view(record), upload: { ...put, method: 'PUT' } });
  }

  // An S3 upload nobody records is aborted by the bucket's lifecycle rule within a day.
  const checksums = request.partChecksums === true;
  const uploadId = await ports.staging.createMultipart(key, { checksums });
  const multipartRecord: StagedUploadRecord = {
    ...record,
    uploadId,
    partSize,
    ...(checksums ? { partChecksums: true } : {}),
  };
  await ports.staged.create(multipartRecord);
  // With checksums the client names each part's SHA-256 first, so no URL is signed yet.
  const first = checksums ? [] : range(1, Math.min(partCount, FIRST_PART_URLS));
  const parts = await signParts(
    multipartRecord,
    first.map((partNumber) => ({ partNumber })),
    ports,
    settings,
    now,
  );
  return ok({
    ...view(multipartRecord),
    upload: { method: 'multipart', partSize, partCount, parts },
  });
}

/** URLs for parts of an open multipart upload, each signing its SHA-256 when it has one. */
export async function signStagedParts(
  principal: Principal,
  id: string,
  parts: { partNumber: number; sha256?: string | undefined }[],
  ports: StagePorts,
  settings: Pick<StageSettings, 'STAGED_URL_LIFETIME_SECONDS'>,
): Promise<Result<{ parts: PartUrl[] }, NotFound | UploadNotOpen | InvalidRequest>> {
  const record = await ownStaged(principal, id, ports);
  if (!record) return err(NOT_FOUND);
  const now = ports.clock.now();
  const open = multipartOpen(record, now);
  if (!open.ok) return open;
  const { partCount } = layoutOf(record);
  for (const part of parts) {
    if (part.partNumber > partCount) {
      return err(failure.invalidRequest(`part ${part.partNumber} of ${partCount}: there is none`));
    }
    if (record.partChecksums && !part.sha256) {
      return err(
        failure.invalidRequest(`part ${part.partNumber} needs its sha256: the upload signs them`),
      );
    }
    if (!record.partChecksums && part.sha256) {
      return err(
        failure.invalidRequest('this upload was started without partChecksums: send no sha256'),
      );
    }
  }
  return ok({ parts: await signParts(record, parts, ports, settings, now) });
}

async function signParts(
  record: StagedUploadRecord,
  parts: { partNumber: number; sha256?: string | undefined }[],
  ports: Pick<StagePorts, 'staging'>,
  settings: Pick<StageSettings, 'STAGED_URL_LIFETIME_SECONDS'>,
  now: Date,
): Promise<PartUrl[]> {
  // A URL never outlives the upload it belongs to.
  const untilExpiry = Math.floor((Date.parse(record.expires) - now.getTime()) / 1000);
  const expiresInSeconds = Math.max(1, Math.min(settings.STAGED_URL_LIFETIME_SECONDS, untilExpiry));
  return Promise.all(
    parts.map(async ({ partNumber, sha256 }) => {
      const size = partSizeOf(record, partNumber);
      const signed = await ports.staging.presignPart({
        key: record.key,
        uploadId: record.uploadId as string,
        partNumber,
        size,
        ...(sha256 ? { sha256 } : {}),
        expiresInSeconds,
      });
      return { partNumber, size, ...signed };
    }),
  );
}

/**
 * Completes a multipart upload: S3 assembles the parts (checking every ETag), and the upload
 * is `validating` until the ingest has verified the CAR. Completing it again answers its state.
 */
export async function completeStagedUpload(
  principal: Principal,
  id: string,
  parts: CompletedPart[],
  ports: StagePorts,
): Promise<Result<StagedUploadView, NotFound | UploadNotOpen | InvalidRequest>> {
  const record = await ownStaged(principal, id, ports);
  if (!record) return err(NOT_FOUND);
  // A retried complete whose first try went through: S3 has no upload to complete any more.
  if (record.method === 'multipart' && ['validating', 'stored'].includes(record.status)) {
    return ok(view(record));
  }
  const now = ports.clock.now();
  const open = multipartOpen(record, now);
  if (!open.ok) return open;
  const { partCount } = layoutOf(record);
  const inOrder = parts.every((part, i) => part.partNumber === i + 1);
  if (!inOrder || parts.length !== partCount) {
    return err(failure.invalidRequest(`the parts must be 1 to ${partCount}, in order, each once`));
  }
  if (record.partChecksums && parts.some((part) => !part.sha256)) {
    return err(failure.invalidRequest('every part needs its sha256: the upload signs them'));
  }
  const completed = await ports.staging.completeMultipart(
    record.key,
    record.uploadId as string,
    parts,
  );
  if (!completed.ok) return completed;
  await ports.staged.startValidating(id, now.toISOString());
  // The ingest may already have taken it further.
  return ok(view((await ports.staged.get(id)) ?? { ...record, status: 'validating' }));
}

/**
 * Aborts an open staged upload: marked `failed` first (an ingest arriving later then finds it
 * final), then its parts or object discarded. Aborting it again answers its state.
 */
export async function abortStagedUpload(
  principal: Principal,
  id: string,
  ports: StagePorts,
): Promise<Result<StagedUploadView, NotFound | UploadNotOpen>> {
  const record = await ownStaged(principal, id, ports);
  if (!record) return err(NOT_FOUND);
  if (record.failure?.name === 'UploadAborted') return ok(view(record));
  const aborted = failure.uploadAborted('aborted by its client');
  const outcome = {
    status: 'failed' as const,
    failure: { name: aborted.name, message: aborted.message },
  };
  const now = ports.clock.now().toISOString();
  if (!(await ports.staged.finish(id, outcome, now, OPEN_STAGED_STATUSES))) {
    const current = (await ports.staged.get(id)) ?? record;
    return err(failure.uploadNotOpen(`the staged upload is ${current.status}: too late to abort`));
  }
  await discard(record, ports.staging);
  return ok(view({ ...record, ...outcome, updated: now }));
}

async function discard(record: StagedUploadRecord, staging: StagingArea): Promise<void> {
  if (record.uploadId) await staging.abortMultipart(record.key, record.uploadId);
  await staging.delete(record.key);
}

export async function getStagedUpload(
  principal: Principal,
  id: string,
  ports: StagePorts,
): Promise<Result<StagedUploadView, NotFound>> {
  const record = await ownStaged(principal, id, ports);
  if (!record) return err(NOT_FOUND);
  if (record.method !== 'multipart' || record.status !== 'uploading') return ok(view(record));
  const parts = (await ports.staging.listParts(record.key, record.uploadId as string)) ?? [];
  return ok({ ...view(record), parts });
}

/** Another user's staged upload is as invisible as a missing one. */
async function ownStaged(principal: Principal, id: string, ports: Pick<StagePorts, 'staged'>) {
  const record = STAGED_ID_PATTERN.test(id) ? await ports.staged.get(id) : undefined;
  return record?.userId === principal.userId ? record : undefined;
}

function multipartOpen(record: StagedUploadRecord, now: Date): Result<void, UploadNotOpen> {
  if (record.method !== 'multipart') {
    return err(failure.uploadNotOpen('a single-PUT staged upload has no parts'));
  }
  if (record.status !== 'uploading') {
    return err(failure.uploadNotOpen(`the staged upload is ${record.status}, not uploading`));
  }
  if (now.getTime() > Date.parse(record.expires)) {
    return err(failure.uploadNotOpen(`the staged upload expired at ${record.expires}`));
  }
  return ok(undefined);
}

const layoutOf = (record: StagedUploadRecord) => {
  const partSize = record.partSize ?? record.size;
  return { partSize, partCount: Math.ceil(record.size / partSize) };
};

function partSizeOf(record: StagedUploadRecord, partNumber: number): number {
  const { partSize, partCount } = layoutOf(record);
  return partNumber < partCount ? partSize : record.size - partSize * (partCount - 1);
}

const range = (first: number, last: number) =>
  Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);

const expiry = (record: StagedUploadRecord) => {
  const expiredFailure = failure.uploadExpired(
    record.method === 'multipart'
      ? `the multipart upload was not completed before ${record.expires}`
      : `no CAR arrived before the URL expired at ${record.expires}`,
  );
  return { name: expiredFailure.name, message: expiredFailure.message };
};

export interface ExpiryReport {
  expired: number;
  leftToIngest: number;
}

/**
 * The staged-upload sweep (run by the pin-status cron): an upload still open past its expiry
 * is marked `failed` and its parts discarded — unless its object is there, which the ingest
 * has yet to take up. The staging bucket's lifecycle rules and the item's TTL remove what is
 * left in any case, but only on AWS: this is what expires them everywhere, and says so.
 */
export async function expireStagedUploads(ports: StagePorts, limit: number): Promise<ExpiryReport> {
  const now = ports.clock.now();
  const report: ExpiryReport = { expired: 0, leftToIngest: 0 };
  const before = new Date(now.getTime() - EXPIRY_GRACE_MS).toISOString();
  for (const record of await ports.staged.listExpired(before, limit)) {
    if (await ports.staging.has(record.key)) {
      report.leftToIngest++;
      continue;
    }
    const outcome = { status: 'failed' as const, failure: expiry(record) };
    if (await ports.staged.finish(record.id, outcome, now.toISOString(), OPEN_STAGED_STATUSES)) {
      await discard(record, ports.staging);
      report.expired++;
    }
  }
  return report;
}

export interface IngestStagedPorts extends UploadPorts {
  staged: StagedUploadStore;
  staging: StagingArea;
}

export type StagedOutcome =
  | { outcome: 'not-staged'; key: string }
  | { outcome: 'already-finished'; id: string }
  | { outcome: 'rejected'; id: string; failure: StagedRejection | IngestFailed }
  | { outcome: 'stored'; id: string; status: NftStatus };

/**
 * Handles one ObjectCreated event of the staging bucket. Terminal problems (bad bytes, an
 * invalid CAR) are recorded on the intent and the object removed; storage errors throw, so the
 * message is retried. Nothing is written for the CAR before every block has been verified, and
 * re-running after success changes nothing.
 */
export async function ingestStagedObject(
  key: string,
  ports: IngestStagedPorts,
  /** When S3 says the object was created (the event's time): a PUT after expiry is refused. */
  createdAt?: Date,
): Promise<StagedOutcome> {
  const id = STAGED_KEY_PATTERN.exec(key)?.[1];
  const record = id ? await ports.staged.get(id) : undefined;
  if (!id || !record) {
    // Nobody asked for this object: it can never become an upload.
    await ports.staging.delete(key);
    return { outcome: 'not-staged', key };
  }
  const surplus = async (): Promise<StagedOutcome> => {
    // A second PUT to a finished upload's URL, or a redelivered event: the object is surplus.
    await ports.staging.delete(key);
    return { outcome: 'already-finished', id };
  };
  if (record.status === 'stored' || record.status === 'failed') return surplus();

  const now = () => ports.clock.now().toISOString();
  const reject = async (rejection: StagedRejection | IngestFailed): Promise<StagedOutcome> => {
    const outcome = {
      status: 'failed' as const,
      failure: { name: rejection.name, message: rejection.message },
    };
    await ports.staged.finish(id, outcome, now());
    await ports.staging.delete(key);
    return { outcome: 'rejected', id, failure: rejection };
  };
  // S3 refuses a presigned PUT after its expiry; an emulator may not, so ingest checks too. (A
  // multipart upload is assembled by the complete request, which checks the expiry itself.)
  if (record.method === 'put' && createdAt && createdAt.getTime() > Date.parse(record.expires)) {
    return reject(
      failure.contentMismatch(
        `the CAR arrived at ${createdAt.toISOString()}, after its URL expired`,
      ),
    );
  }
  if (!(await ports.staged.startValidating(id, now()))) return surplus();

  const object = await ports.staging.open(key);
  if (!object) return reject(failure.ingestFailed('the staged object is gone'));
  if (object.size !== record.size) {
    return reject(
      failure.contentMismatch(
        `staged object has ${object.size} bytes, ${record.size} were declared`,
      ),
    );
  }
  const declared = record.sha256;
  const verified = await verifyCar({
    stream: object.body,
    readBack: (offset, length) => ports.staging.readRange(key, offset, length),
    // A declared digest is checked first: its mismatch is the reason, whatever else is wrong.
    readToEnd: declared !== undefined,
  });
  const digest = verified.ok ? verified.value.carCid.multihash.digest : verified.read?.sha256;
  if (declared && digest && Buffer.from(digest).toString('base64') !== declared) {
    return reject(failure.contentMismatch('staged object does not match the declared sha256'));
  }
  if (!verified.ok) return reject(verified.error);
  const car = verified.value;

  const status = await storeUpload(
    {
      principal: { userId: record.userId, tokenId: record.tokenId, tokenName: record.tokenName },
      car: {
        root: car.root,
        carCid: car.carCid,
        dagSize: car.dagSize,
        structure: car.structure,
        bytes: {
          size: car.carBytes,
          copyTo: (carparkKey) => ports.staging.copyToCarpark(key, carparkKey, car.carBytes),
        },
        // Only a chunk of a larger DAG takes part in a completeness walk later.
        ...(car.structure === 'complete'
          ? {}
          : { linkIndex: await encodeLinkIndex(car.blocks.entries(), car.blocks.size) }),
      },
      ...(record.name ? { name: record.name } : {}),
      type: 'application/car',
      files: [],
    },
    ports,
  );
  await ports.staged.finish(id, { status: 'stored', cid: status.cid }, now());
  await ports.staging.delete(key);
  return { outcome: 'stored', id, status };
}

/**
 * The ingest dead-letter queue's consumer: a staged object whose ingest failed every time is
 * marked `failed`, so its client learns it (the message is logged for an operator).
 */
export async function failStagedIngest(
  key: string,
  ports: Pick<IngestStagedPorts, 'staged' | 'clock'>,
): Promise<'marked-failed' | 'already-finished' | 'not-staged'> {
  const id = STAGED_KEY_PATTERN.exec(key)?.[1];
  const record = id ? await ports.staged.get(id) : undefined;
  if (!id || !record) return 'not-staged';
  const failed = failure.ingestFailed(
    'verifying and storing the CAR failed repeatedly (an operator can look into the ingest logs)',
  );
  const outcome = {
    status: 'failed' as const,
    failure: { name: failed.name, message: failed.message },
  };
  const marked = await ports.staged.finish(id, outcome, ports.clock.now().toISOString());
  return marked ? 'marked-failed' : 'already-finished';
}

function view(record: StagedUploadRecord): StagedUploadView {
  return {
    id: record.id,
    status: record.status,
    created: record.created,
    expires: record.expires,
    size: record.size,
    ...(record.name ? { name: record.name } : {}),
    method: record.method === 'multipart' ? 'multipart' : 'PUT',
    ...(record.method === 'multipart' ? layoutOf(record) : {}),
    ...(record.cid ? { cid: record.cid } : {}),
    ...(record.failure ? { failure: record.failure as StagedFailure } : {}),
  };
}
