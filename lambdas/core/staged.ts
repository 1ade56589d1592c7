/**
 * Staged uploads: content too large for an API request goes straight to S3. The API records an
 * intent and hands out a presigned PUT bound to the declared size and SHA-256; the object's
 * ObjectCreated event brings the ingest consumer, which verifies every byte itself (the local
 * emulator checks no signature or checksum), validates the CAR and stores it like POST /upload.
 */
import { createHash, randomUUID } from 'node:crypto';
import { STAGING_LIFETIME_DAYS } from '../../system/functions.ts';
import type { Principal } from './auth.ts';
import {
  type ContentMismatch,
  failure,
  type InvalidCar,
  type NotFound,
  type PayloadTooLarge,
  type UploadAbandoned,
} from './failures.ts';
import type { BlobStore, StagedUploadRecord, StagedUploadStore, UploadPresigner } from './ports.ts';
import { carFromUpload } from './prepare.ts';
import { err, ok, type Result } from './result.ts';
import { type NftStatus, storeUpload, type UploadPorts, type UploadSettings } from './uploads.ts';

/** Staged objects live under this prefix; the bucket notification watches it. */
export const STAGED_PREFIX = 'cars/';
const stagedKey = (id: string) => `${STAGED_PREFIX}${id}.car`;
const STAGED_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STAGED_KEY_PATTERN = /^cars\/([0-9a-f-]{36})\.car$/;

export interface StagePorts {
  staged: StagedUploadStore;
  presigner: UploadPresigner;
  clock: { now(): Date };
}

export interface StageSettings {
  MAX_STAGED_UPLOAD_BYTES: number;
  STAGED_URL_LIFETIME_SECONDS: number;
}

export interface StageRequest {
  size: number;
  sha256: string;
  name?: string;
}

export interface StagedUploadView {
  id: string;
  status: StagedUploadRecord['status'];
  created: string;
  expires: string;
  size: number;
  name?: string;
  cid?: string;
  failure?: StagedFailure;
}

/** Why a staged upload failed, as recorded (the edge maps the name to its error code). */
export type StagedFailure = Pick<StagedRejection | UploadAbandoned, 'name' | 'message'>;
type StagedRejection = InvalidCar | ContentMismatch;

export async function stageUpload(
  principal: Principal,
  request: StageRequest,
  ports: StagePorts,
  settings: StageSettings,
): Promise<
  Result<
    StagedUploadView & { upload: { url: string; method: 'PUT'; headers: Record<string, string> } },
    PayloadTooLarge
  >
> {
  const limit = settings.MAX_STAGED_UPLOAD_BYTES;
  if (request.size > limit) {
    return err(
      failure.payloadTooLarge(
        `A staged upload takes at most ${limit} bytes; split the DAG into several CARs that share its root and stage each.`,
      ),
    );
  }
  const now = ports.clock.now();
  const id = randomUUID();
  const record: StagedUploadRecord = {
    id,
    userId: principal.userId,
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    ...(request.name ? { name: request.name } : {}),
    size: request.size,
    sha256: request.sha256,
    key: stagedKey(id),
    created: now.toISOString(),
    expires: new Date(now.getTime() + settings.STAGED_URL_LIFETIME_SECONDS * 1000).toISOString(),
    status: 'waiting',
  };
  // The intent exists before anyone can PUT, so every staged object has an owner to find.
  await ports.staged.create(record);
  const presigned = await ports.presigner.presignPut({
    key: record.key,
    size: record.size,
    sha256: record.sha256,
    expiresInSeconds: settings.STAGED_URL_LIFETIME_SECONDS,
  });
  return ok({
    ...view(record),
    upload: { url: presigned.url, method: 'PUT', headers: presigned.headers },
  });
}

export async function getStagedUpload(
  principal: Principal,
  id: string,
  ports: Pick<StagePorts, 'staged' | 'clock'>,
): Promise<Result<StagedUploadView, NotFound>> {
  const record = STAGED_ID_PATTERN.test(id) ? await ports.staged.get(id) : undefined;
  // Another user's staged upload is as invisible as a missing one.
  if (!record || record.userId !== principal.userId) {
    return err(failure.notFound('Staged upload not found'));
  }
  // A day past its URL's expiry, any object PUT in time has been ingested or has expired from
  // staging with the bucket's lifecycle rule: an intent still waiting then never will finish.
  const abandonedAt = Date.parse(record.expires) + STAGING_OBJECT_LIFETIME_MS;
  if (record.status === 'waiting' && ports.clock.now().getTime() > abandonedAt) {
    return ok({
      ...view(record),
      status: 'failed',
      failure: {
        name: 'UploadAbandoned',
        message:
          'No CAR was stored for this upload: nothing valid arrived before the URL expired, or ' +
          'ingesting it failed (an operator can inspect the ingest dead-letter queue)',
      },
    });
  }
  return ok(view(record));
}

const STAGING_OBJECT_LIFETIME_MS = STAGING_LIFETIME_DAYS * 86_400_000;

export interface IngestStagedPorts extends UploadPorts {
  staged: StagedUploadStore;
  staging: BlobStore;
}

export type StagedOutcome =
  | { outcome: 'not-staged'; key: string }
  | { outcome: 'already-finished'; id: string }
  | { outcome: 'missing-object'; id: string }
  | { outcome: 'rejected'; id: string; failure: StagedRejection }
  | { outcome: 'stored'; id: string; status: NftStatus };

/**
 * Handles one ObjectCreated event of the staging bucket. Terminal problems (bad bytes, an
 * invalid CAR) are recorded on the intent and the object removed; storage errors throw, so the
 * message is retried. Re-running after success changes nothing.
 */
export async function ingestStagedObject(
  key: string,
  ports: IngestStagedPorts,
  /** When S3 says the object was created (the event's time): a PUT after expiry is refused. */
  createdAt?: Date,
  settings: UploadSettings = {},
): Promise<StagedOutcome> {
  const id = STAGED_KEY_PATTERN.exec(key)?.[1];
  const record = id ? await ports.staged.get(id) : undefined;
  if (!id || !record) {
    // Nobody asked for this object: it can never become an upload.
    await ports.staging.delete(key);
    return { outcome: 'not-staged', key };
  }
  if (record.status !== 'waiting') {
    // A second PUT to a finished upload's URL, or a redelivered event: the object is surplus.
    await ports.staging.delete(key);
    return { outcome: 'already-finished', id };
  }

  const now = () => ports.clock.now().toISOString();
  const reject = async (rejection: StagedRejection): Promise<StagedOutcome> => {
    await ports.staged.finish(
      id,
      { status: 'failed', failure: { name: rejection.name, message: rejection.message } },
      now(),
    );
    await ports.staging.delete(key);
    return { outcome: 'rejected', id, failure: rejection };
  };
  // S3 refuses a presigned PUT after its expiry; an emulator may not, so ingest checks too.
  if (createdAt && createdAt.getTime() > Date.parse(record.expires)) {
    return reject(
      failure.contentMismatch(
        `the CAR arrived at ${createdAt.toISOString()}, after its URL expired`,
      ),
    );
  }

  const bytes = await ports.staging.get(key);
  if (!bytes) return { outcome: 'missing-object', id };
  if (bytes.length !== record.size) {
    return reject(
      failure.contentMismatch(
        `staged object has ${bytes.length} bytes, ${record.size} were declared`,
      ),
    );
  }
  const digest = createHash('sha256').update(bytes).digest('base64');
  if (digest !== record.sha256) {
    return reject(failure.contentMismatch('staged object does not match the declared sha256'));
  }
  const car = await carFromUpload(bytes);
  if (!car.ok) return reject(car.error);

  const status = await storeUpload(
    {
      principal: { userId: record.userId, tokenId: record.tokenId, tokenName: record.tokenName },
      car: car.value,
      ...(record.name ? { name: record.name } : {}),
      type: 'application/car',
      files: [],
    },
    ports,
    settings,
  );
  await ports.staged.finish(id, { status: 'stored', cid: status.cid }, now());
  await ports.staging.delete(key);
  return { outcome: 'stored', id, status };
}

function view(record: StagedUploadRecord): StagedUploadView {
  return {
    id: record.id,
    status: record.status,
    created: record.created,
    expires: record.expires,
    size: record.size,
    ...(record.name ? { name: record.name } : {}),
    ...(record.cid ? { cid: record.cid } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
  };
}
