/**
 * Staged uploads in the core: the intent and its presigned requests (one PUT, or a multipart
 * upload's part URLs), completing, aborting and expiring it, and the streaming ingest of the
 * object its S3 event announces — every byte checked here, since the local emulator checks
 * nothing.
 */
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { sha256 as sha2 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { encodeCar, packFile } from '../../../lambdas/core/ipfs/index.ts';
import {
  abortStagedUpload,
  completeStagedUpload,
  EXPIRY_GRACE_MS,
  expireStagedUploads,
  failStagedIngest,
  getStagedUpload,
  ingestStagedObject,
  MULTIPART_LIFETIME_MS,
  STAGED_PREFIX,
  signStagedParts,
  stageUpload,
} from '../../../lambdas/core/staged.ts';
import { carparkKey } from '../../../lambdas/core/uploads.ts';
import { FakeClock, failNext, fakePorts } from '../../support/fakes.ts';
import { craftCar, seededBytes } from '../../support/ipfs-fixtures.ts';

const alice = { userId: 'alice', tokenId: 'aaaaaaaaaaaaaaaa', tokenName: 'laptop' };
const bob = { userId: 'bob', tokenId: 'bbbbbbbbbbbbbbbb', tokenName: 'phone' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const MiB = 1024 * 1024;

async function carOf(length: number, seed: number) {
  const packed = await packFile(seededBytes(length, seed));
  if (!packed.ok) throw new Error('pack failed');
  return {
    root: packed.value.root,
    blocks: packed.value.blocks,
    bytes: await encodeCar(packed.value.root, packed.value.blocks),
  };
}

const SETTINGS = {
  MAX_STAGED_UPLOAD_BYTES: 100 * MiB,
  STAGED_URL_LIFETIME_SECONDS: 3600,
  STAGED_PART_BYTES: 5 * MiB,
};

function setup() {
  return fakePorts(new FakeClock('2024-06-01T00:00:00.000Z'));
}
type Ports = ReturnType<typeof setup>;

/** A single-PUT staged upload whose object `bytes` arrived (the declaration names `declared`). */
async function stagedPut(ports: Ports, bytes: Uint8Array, declared = bytes, user = alice) {
  const result = await stageUpload(
    user,
    { size: declared.length, sha256: sha256(declared), name: 'big' },
    ports,
    SETTINGS,
  );
  if (!result.ok) throw new Error(result.error.message);
  const key = `${STAGED_PREFIX}${result.value.id}.car`;
  await ports.staging.put(key, bytes);
  return { id: result.value.id, key, ticket: result.value };
}

/** A multipart staged upload with every part sent as its URLs say; not completed yet. */
async function stagedParts(ports: Ports, bytes: Uint8Array, user = alice) {
  const result = await stageUpload(user, { size: bytes.length }, ports, SETTINGS);
  if (!result.ok) throw new Error(result.error.message);
  const { upload } = result.value;
  if (upload.method !== 'multipart') throw new Error('expected a multipart upload');
  const uploadId = [...ports.staging.multipart.keys()].at(-1) as string;
  const parts = [];
  for (const part of upload.parts) {
    const start = (part.partNumber - 1) * upload.partSize;
    const etag = await ports.staging.uploadPart(
      uploadId,
      part.partNumber,
      bytes.subarray(start, start + part.size),
    );
    parts.push({ partNumber: part.partNumber, etag });
  }
  return { id: result.value.id, key: `cars/${result.value.id}.car`, ticket: result.value, parts };
}

describe('stageUpload', () => {
  it('up to the part size: records the intent, then one PUT bound to size and sha256', async () => {
    const ports = setup();
    const { id, ticket } = await stagedPut(ports, new Uint8Array(100));
    expect(ticket).toMatchObject({ status: 'waiting', size: 100, name: 'big', method: 'PUT' });
    expect(ticket.upload).toMatchObject({ method: 'PUT', headers: { 'content-length': '100' } });
    expect(ports.staging.signed).toEqual([
      {
        kind: 'put',
        key: `cars/${id}.car`,
        size: 100,
        sha256: sha256(new Uint8Array(100)),
        expiresInSeconds: 3600,
      },
    ]);
    expect(await ports.staged.get(id)).toMatchObject({
      userId: 'alice',
      status: 'waiting',
      method: 'put',
      expires: '2024-06-01T01:00:00.000Z',
    });
  });

  it('without a sha256, signs none', async () => {
    const ports = setup();
    const result = await stageUpload(alice, { size: 100 }, ports, SETTINGS);
    expect(result.ok && result.value.upload).toMatchObject({ method: 'PUT' });
    expect(ports.staging.signed[0]).not.toHaveProperty('sha256');
  });

  it('above the part size: an S3 multipart upload, with URLs for its first parts', async () => {
    const ports = setup();
    const size = 12 * MiB + 7;
    const result = await stageUpload(alice, { size, name: 'video' }, ports, SETTINGS);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).toMatchObject({
      status: 'uploading',
      method: 'multipart',
      partSize: 5 * MiB,
      partCount: 3,
      expires: '2024-06-02T00:00:00.000Z',
    });
    const { upload } = result.value;
    if (upload.method !== 'multipart') throw new Error('expected multipart');
    expect(upload.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
      [3, 2 * MiB + 7],
    ]);
    expect(upload.parts[2]?.headers).toEqual({ 'content-length': String(2 * MiB + 7) });
    expect(await ports.staged.get(result.value.id)).toMatchObject({
      method: 'multipart',
      uploadId: 'upload-1',
      partSize: 5 * MiB,
    });
  });

  it('takes a smaller part size asked for, never a larger one', async () => {
    const ports = setup();
    const smaller = await stageUpload(alice, { size: 6 * MiB, partSize: 5 * MiB }, ports, {
      ...SETTINGS,
      STAGED_PART_BYTES: 8 * MiB,
    });
    expect(smaller.ok && smaller.value).toMatchObject({ method: 'multipart', partCount: 2 });
    const larger = await stageUpload(alice, { size: 6 * MiB, partSize: 9 * MiB }, ports, {
      ...SETTINGS,
      STAGED_PART_BYTES: 8 * MiB,
    });
    expect(larger).toMatchObject({ ok: false, error: { name: 'InvalidRequest' } });
  });

  it('with partChecksums hands out no URL before each part names its SHA-256', async () => {
    const ports = setup();
    const result = await stageUpload(
      alice,
      { size: 11 * MiB, partChecksums: true },
      ports,
      SETTINGS,
    );
    if (!result.ok || result.value.upload.method !== 'multipart') throw new Error('no multipart');
    expect(result.value.upload.parts).toEqual([]);
    expect(ports.staging.multipart.get('upload-1')?.checksums).toBe(true);
    const digest = sha256(new Uint8Array(5 * MiB));
    const missing = await signStagedParts(
      alice,
      result.value.id,
      [{ partNumber: 1 }],
      ports,
      SETTINGS,
    );
    expect(missing).toMatchObject({ ok: false, error: { name: 'InvalidRequest' } });
    const signed = await signStagedParts(
      alice,
      result.value.id,
      [{ partNumber: 1, sha256: digest }],
      ports,
      SETTINGS,
    );
    expect(signed.ok && signed.value.parts[0]?.headers['x-amz-checksum-sha256']).toBe(digest);
  });

  it('refuses a declared size over the limit with 413, recording nothing', async () => {
    const ports = setup();
    const result = await stageUpload(alice, { size: 100 * MiB + 1 }, ports, SETTINGS);
    expect(result).toMatchObject({ ok: false, error: { name: 'PayloadTooLarge' } });
    expect(ports.staging.signed).toEqual([]);
    expect(ports.staged.staged.size).toBe(0);
  });

  it('refuses more than S3 parts, saying to ask for larger ones', async () => {
    const ports = setup();
    const result = await stageUpload(alice, { size: 10_001 * 5 * MiB }, ports, {
      ...SETTINGS,
      MAX_STAGED_UPLOAD_BYTES: 2 ** 50,
    });
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidRequest' } });
    if (!result.ok) expect(result.error.message).toMatch(/at most 10000; ask for larger parts/);
  });
});

describe('signStagedParts', () => {
  it('signs any page of parts, each URL no longer valid than its upload', async () => {
    const ports = setup();
    const { id } = await stagedParts(ports, seededBytes(16 * MiB, 1));
    ports.clock.advance(MULTIPART_LIFETIME_MS - 600_000);
    const signed = await signStagedParts(
      alice,
      id,
      [{ partNumber: 4 }, { partNumber: 2 }],
      ports,
      SETTINGS,
    );
    expect(signed.ok && signed.value.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [4, MiB],
      [2, 5 * MiB],
    ]);
    expect(ports.staging.signed.at(-1)).toMatchObject({ expiresInSeconds: 600 });
  });

  it('refuses parts past the last, and uploads not open, and hides others', async () => {
    const ports = setup();
    const { id, parts } = await stagedParts(ports, seededBytes(11 * MiB, 2));
    expect(await signStagedParts(alice, id, [{ partNumber: 4 }], ports, SETTINGS)).toMatchObject({
      ok: false,
      error: { name: 'InvalidRequest' },
    });
    expect(await signStagedParts(bob, id, [{ partNumber: 1 }], ports, SETTINGS)).toMatchObject({
      ok: false,
      error: { name: 'NotFound' },
    });
    await completeStagedUpload(alice, id, parts, ports);
    expect(await signStagedParts(alice, id, [{ partNumber: 1 }], ports, SETTINGS)).toMatchObject({
      ok: false,
      error: { name: 'UploadNotOpen' },
    });
    const single = await stagedPut(ports, new Uint8Array(10));
    expect(
      await signStagedParts(alice, single.id, [{ partNumber: 1 }], ports, SETTINGS),
    ).toMatchObject({
      ok: false,
      error: { name: 'UploadNotOpen' },
    });
  });
});

describe('completeStagedUpload', () => {
  it('assembles the parts and starts validating; completing again answers the state', async () => {
    const ports = setup();
    const bytes = seededBytes(11 * MiB, 3);
    const { id, key, parts } = await stagedParts(ports, bytes);
    const done = await completeStagedUpload(alice, id, parts, ports);
    expect(done.ok && done.value.status).toBe('validating');
    expect(Buffer.from(ports.staging.blobs.get(key) ?? []).equals(bytes)).toBe(true);
    const again = await completeStagedUpload(alice, id, parts, ports);
    expect(again.ok && again.value.status).toBe('validating');
  });

  it('refuses parts that are not all of them in order, and ETags S3 does not have', async () => {
    const ports = setup();
    const { id, parts } = await stagedParts(ports, seededBytes(11 * MiB, 4));
    for (const wrong of [parts.slice(1), [...parts].reverse(), [...parts, parts[0]]]) {
      expect(await completeStagedUpload(alice, id, wrong as typeof parts, ports)).toMatchObject({
        ok: false,
        error: { name: 'InvalidRequest' },
      });
    }
    const forged = parts.map((part, i) => (i === 1 ? { ...part, etag: '"nope"' } : part));
    expect(await completeStagedUpload(alice, id, forged, ports)).toMatchObject({
      ok: false,
      error: { name: 'InvalidRequest' },
    });
    expect((await ports.staged.get(id))?.status).toBe('uploading');
  });

  it('refuses an upload past its expiry', async () => {
    const ports = setup();
    const { id, parts } = await stagedParts(ports, seededBytes(11 * MiB, 5));
    ports.clock.advance(MULTIPART_LIFETIME_MS + 1);
    expect(await completeStagedUpload(alice, id, parts, ports)).toMatchObject({
      ok: false,
      error: { name: 'UploadNotOpen' },
    });
  });
});

describe('getStagedUpload', () => {
  it('lists the parts S3 has while uploading, to resume from', async () => {
    const ports = setup();
    const result = await stageUpload(alice, { size: 11 * MiB }, ports, SETTINGS);
    if (!result.ok) throw new Error(result.error.message);
    const etag = await ports.staging.uploadPart('upload-1', 2, new Uint8Array(5 * MiB));
    const view = await getStagedUpload(alice, result.value.id, ports);
    expect(view.ok && view.value).toMatchObject({
      status: 'uploading',
      partCount: 3,
      parts: [{ partNumber: 2, size: 5 * MiB, etag }],
    });
  });

  it("hides another user's staged upload and malformed ids", async () => {
    const ports = setup();
    const { id } = await stagedPut(ports, new Uint8Array(10));
    expect((await getStagedUpload(bob, id, ports)).ok).toBe(false);
    expect((await getStagedUpload(alice, 'not-a-uuid', ports)).ok).toBe(false);
    expect((await getStagedUpload(alice, id, ports)).ok).toBe(true);
  });
});

describe('abortStagedUpload', () => {
  it('marks the upload failed, then discards its parts; aborting again changes nothing', async () => {
    const ports = setup();
    const { id } = await stagedParts(ports, seededBytes(11 * MiB, 6));
    const aborted = await abortStagedUpload(alice, id, ports);
    expect(aborted.ok && aborted.value).toMatchObject({
      status: 'failed',
      failure: { name: 'UploadAborted' },
    });
    expect(ports.staging.multipart.size).toBe(0);
    expect((await abortStagedUpload(alice, id, ports)).ok).toBe(true);
  });

  it('removes the object of a single PUT, and refuses once validating', async () => {
    const ports = setup();
    const car = await carOf(3000, 7);
    const put = await stagedPut(ports, car.bytes);
    expect((await abortStagedUpload(alice, put.id, ports)).ok).toBe(true);
    expect(await ports.staging.has(put.key)).toBe(false);
    // The ingest arriving after the abort finds a final upload: the object is surplus.
    await ports.staging.put(put.key, car.bytes);
    expect(await ingestStagedObject(put.key, ports)).toEqual({
      outcome: 'already-finished',
      id: put.id,
    });

    const { id, parts } = await stagedParts(ports, seededBytes(11 * MiB, 8));
    await completeStagedUpload(alice, id, parts, ports);
    expect(await abortStagedUpload(alice, id, ports)).toMatchObject({
      ok: false,
      error: { name: 'UploadNotOpen' },
    });
  });
});

describe('expireStagedUploads', () => {
  it('fails and discards uploads never completed, once past their expiry and the grace', async () => {
    const ports = setup();
    const { id: multipartId } = await stagedParts(ports, seededBytes(11 * MiB, 9));
    const waiting = await stageUpload(alice, { size: 100 }, ports, SETTINGS);
    if (!waiting.ok) throw new Error(waiting.error.message);
    ports.clock.advance(3600_000 + EXPIRY_GRACE_MS - 1);
    expect(await expireStagedUploads(ports, 100)).toEqual({ expired: 0, leftToIngest: 0 });
    ports.clock.advance(2);
    expect(await expireStagedUploads(ports, 100)).toEqual({ expired: 1, leftToIngest: 0 });
    expect(await ports.staged.get(waiting.value.id)).toMatchObject({
      status: 'failed',
      failure: { name: 'UploadExpired', message: expect.stringMatching(/no CAR arrived/) },
    });
    ports.clock.advance(MULTIPART_LIFETIME_MS);
    expect(await expireStagedUploads(ports, 100)).toEqual({ expired: 1, leftToIngest: 0 });
    expect(await ports.staged.get(multipartId)).toMatchObject({
      status: 'failed',
      failure: { name: 'UploadExpired', message: expect.stringMatching(/not completed before/) },
    });
    expect(ports.staging.multipart.size).toBe(0);
    expect(await expireStagedUploads(ports, 100)).toEqual({ expired: 0, leftToIngest: 0 });
  });

  it('leaves an upload whose object arrived in time to the ingest', async () => {
    const ports = setup();
    const car = await carOf(3000, 10);
    const { id, key } = await stagedPut(ports, car.bytes);
    ports.clock.advance(3 * 3600_000);
    expect(await expireStagedUploads(ports, 100)).toEqual({ expired: 0, leftToIngest: 1 });
    expect(await ingestStagedObject(key, ports)).toMatchObject({ outcome: 'stored', id });
  });
});

describe('ingestStagedObject', () => {
  it('streams a staged CAR in, copies it into the carpark under its CID, then removes it', async () => {
    const ports = setup();
    const car = await carOf(300_000, 11);
    const { id, key } = await stagedPut(ports, car.bytes);
    const outcome = await ingestStagedObject(key, ports);
    expect(outcome).toMatchObject({
      outcome: 'stored',
      id,
      status: { cid: car.root.toString(), name: 'big', pin: { status: 'pinned' } },
    });
    const carCid = CID.create(1, 0x0202, await sha2.digest(car.bytes));
    expect(ports.staging.copies).toEqual([{ key, carparkKey: carparkKey(carCid.toString()) }]);
    expect(await ports.staging.has(key)).toBe(false);
    expect((await ports.staged.get(id))?.status).toBe('stored');
    // A redelivered event changes nothing.
    expect(await ingestStagedObject(key, ports)).toEqual({ outcome: 'already-finished', id });
    const uploads = await ports.uploads.list({ userId: 'alice', limit: 10 });
    expect(uploads.uploads).toHaveLength(1);
  });

  it('ingests a completed multipart upload without a declared sha256', async () => {
    const ports = setup();
    const car = await carOf(11 * MiB, 12);
    const { id, key, parts } = await stagedParts(ports, car.bytes);
    await completeStagedUpload(alice, id, parts, ports);
    expect(await ingestStagedObject(key, ports)).toMatchObject({
      outcome: 'stored',
      status: { cid: car.root.toString() },
    });
  });

  it.each([
    ['a different size', (bytes: Uint8Array) => bytes.subarray(1), /bytes, \d+ were declared/],
    [
      'different bytes',
      (bytes: Uint8Array) => {
        const forged = bytes.slice();
        forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
        return forged;
      },
      /sha256/,
    ],
  ])('records an object with %s as failed and removes it', async (_label, tamper, message) => {
    const ports = setup();
    const car = await carOf(5000, 13);
    const { id, key } = await stagedPut(ports, tamper(car.bytes), car.bytes);
    expect(await ingestStagedObject(key, ports)).toMatchObject({ outcome: 'rejected' });
    const record = await ports.staged.get(id);
    expect(record?.status).toBe('failed');
    expect(record?.failure?.message).toMatch(message);
    expect(await ports.staging.has(key)).toBe(false);
    expect(ports.contents.contents.size).toBe(0);
  });

  it('records a CAR with one tampered block as failed, naming the block, storing nothing', async () => {
    const ports = setup();
    const car = await carOf(11 * MiB, 14);
    const [root, first, ...rest] = car.blocks as [Block, Block, ...Block[]];
    const tampered = first.bytes.slice();
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    const bytes = await craftCar([car.root], [root, { cid: first.cid, bytes: tampered }, ...rest]);
    const { id, key, parts } = await stagedParts(ports, bytes);
    await completeStagedUpload(alice, id, parts, ports);
    expect(await ingestStagedObject(key, ports)).toMatchObject({ outcome: 'rejected' });
    expect(await ports.staged.get(id)).toMatchObject({
      status: 'failed',
      failure: {
        name: 'InvalidCar',
        message: `failed hash verification: ${first.cid}: CID hash does not match bytes`,
      },
    });
    expect(ports.contents.contents.size).toBe(0);
    expect(ports.carpark.blobs.size).toBe(0);
    expect(await ports.staging.has(key)).toBe(false);
  });

  it('records an invalid CAR as failed with InvalidCar', async () => {
    const ports = setup();
    const { id, key } = await stagedPut(ports, new TextEncoder().encode('definitely not a CAR'));
    expect(await ingestStagedObject(key, ports)).toMatchObject({ outcome: 'rejected' });
    expect((await ports.staged.get(id))?.failure?.name).toBe('InvalidCar');
  });

  it('removes objects nobody staged', async () => {
    const ports = setup();
    await ports.staging.put('cars/stray.car', new Uint8Array(3));
    expect(await ingestStagedObject('cars/stray.car', ports)).toEqual({
      outcome: 'not-staged',
      key: 'cars/stray.car',
    });
    expect(await ports.staging.has('cars/stray.car')).toBe(false);
  });

  it('one root staged by two users: one content, two uploads', async () => {
    const ports = setup();
    const car = await carOf(700_000, 15);
    const first = await stagedPut(ports, car.bytes);
    const second = await stagedPut(ports, car.bytes, car.bytes, bob);
    await ingestStagedObject(first.key, ports);
    await ingestStagedObject(second.key, ports);
    expect(ports.contents.contents.size).toBe(1);
    expect((await ports.uploads.list({ userId: 'alice', limit: 10 })).uploads).toHaveLength(1);
    expect((await ports.uploads.list({ userId: 'bob', limit: 10 })).uploads).toHaveLength(1);
  });

  it('throws on a storage failure so the message is retried, and a retry completes it', async () => {
    const ports = setup();
    const car = await carOf(4000, 16);
    const { id, key } = await stagedPut(ports, car.bytes);
    failNext(ports.staging, 'copyToCarpark');
    await expect(ingestStagedObject(key, ports)).rejects.toThrow();
    expect((await ports.staged.get(id))?.status).toBe('validating');
    expect(await ingestStagedObject(key, ports)).toMatchObject({ outcome: 'stored' });
  });

  it('refuses an object created after its URL expired, recording why', async () => {
    const ports = setup();
    const car = await carOf(3000, 17);
    const { id, key, ticket } = await stagedPut(ports, car.bytes);
    const late = new Date(Date.parse(ticket.expires) + 1000);
    expect(await ingestStagedObject(key, ports, late)).toMatchObject({ outcome: 'rejected' });
    expect((await ports.staged.get(id))?.failure?.message).toMatch(/after its URL expired/);
    expect(await ports.staging.has(key)).toBe(false);
  });

  it('stores an object created before its URL expired', async () => {
    const ports = setup();
    const car = await carOf(3000, 18);
    const { key, ticket } = await stagedPut(ports, car.bytes);
    const inTime = new Date(Date.parse(ticket.expires) - 1000);
    expect(await ingestStagedObject(key, ports, inTime)).toMatchObject({ outcome: 'stored' });
  });

  it('removes a second object PUT to a finished upload', async () => {
    const ports = setup();
    const car = await carOf(3000, 19);
    const { id, key } = await stagedPut(ports, car.bytes);
    await ingestStagedObject(key, ports);
    await ports.staging.put(key, car.bytes);
    expect(await ingestStagedObject(key, ports)).toEqual({ outcome: 'already-finished', id });
    expect(await ports.staging.has(key)).toBe(false);
  });
});

describe('failStagedIngest (the ingest dead-letter consumer)', () => {
  it('marks a staged upload whose ingest gave up failed, once', async () => {
    const ports = setup();
    const car = await carOf(3000, 20);
    const { id, key } = await stagedPut(ports, car.bytes);
    await ports.staged.startValidating(id, ports.clock.now().toISOString());
    expect(await failStagedIngest(key, ports)).toBe('marked-failed');
    expect(await ports.staged.get(id)).toMatchObject({
      status: 'failed',
      failure: { name: 'IngestFailed' },
    });
    expect(await failStagedIngest(key, ports)).toBe('already-finished');
    expect(await failStagedIngest('cars/stray.car', ports)).toBe('not-staged');
  });
});
