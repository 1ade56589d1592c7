/**
 * Staged uploads in the core: the intent and presigned PUT, and the ingest of the object its
 * S3 event announces — every byte checked here, since the local emulator checks nothing.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCar, packFile } from '../../../lambdas/core/ipfs/index.ts';
import {
  getStagedUpload,
  ingestStagedObject,
  STAGED_PREFIX,
  stageUpload,
} from '../../../lambdas/core/staged.ts';
import { NFT_STORAGE_ERRORS } from '../../../lambdas/http/nft-storage-errors.ts';
import { FakeClock, failNext, fakePorts } from '../../support/fakes.ts';
import { seededBytes } from '../../support/ipfs-fixtures.ts';

const alice = { userId: 'alice', tokenId: 'aaaaaaaaaaaaaaaa', tokenName: 'laptop' };
const bob = { userId: 'bob', tokenId: 'bbbbbbbbbbbbbbbb', tokenName: 'phone' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

async function carOf(length: number, seed: number) {
  const packed = await packFile(seededBytes(length, seed));
  if (!packed.ok) throw new Error('pack failed');
  return {
    root: packed.value.root,
    bytes: await encodeCar(packed.value.root, packed.value.blocks),
  };
}

const STAGE_SETTINGS = { MAX_STAGED_UPLOAD_BYTES: 10_000_000, STAGED_URL_LIFETIME_SECONDS: 3600 };

function setup() {
  const ports = fakePorts(new FakeClock('2024-06-01T00:00:00.000Z'));
  return { ports, stage: ports };
}

async function staged(ports: ReturnType<typeof setup>, bytes: Uint8Array, declared = bytes) {
  const result = await stageUpload(
    alice,
    { size: declared.length, sha256: sha256(declared), name: 'big' },
    ports.stage,
    STAGE_SETTINGS,
  );
  if (!result.ok) throw new Error(result.error.message);
  const key = `${STAGED_PREFIX}${result.value.id}.car`;
  await ports.ports.staging.put(key, bytes);
  return { id: result.value.id, key, ticket: result.value };
}

describe('stageUpload', () => {
  it('records the intent before signing a PUT bound to the declared size and sha256', async () => {
    const env = setup();
    const { id, ticket } = await staged(env, new Uint8Array(100));
    expect(ticket).toMatchObject({ status: 'waiting', size: 100, name: 'big' });
    expect(env.ports.presigner.signed).toEqual([
      {
        key: `cars/${id}.car`,
        size: 100,
        sha256: sha256(new Uint8Array(100)),
        expiresInSeconds: 3600,
      },
    ]);
    expect(await env.ports.staged.get(id)).toMatchObject({ userId: 'alice', status: 'waiting' });
  });

  it('answers a declared size over the limit with 413, recording nothing', async () => {
    const env = setup();
    const result = await stageUpload(
      alice,
      { size: 10_000_001, sha256: sha256(new Uint8Array(1)) },
      env.stage,
      STAGE_SETTINGS,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ name: 'PayloadTooLarge' });
    expect(env.ports.presigner.signed).toEqual([]);
  });
});

describe('ingestStagedObject', () => {
  it('stores a valid staged CAR like POST /upload, then removes it from staging', async () => {
    const env = setup();
    const car = await carOf(300_000, 1);
    const { id, key } = await staged(env, car.bytes);
    const outcome = await ingestStagedObject(key, env.ports);
    expect(outcome).toMatchObject({
      outcome: 'stored',
      id,
      status: { cid: car.root.toString(), name: 'big' },
    });
    expect(await env.ports.staging.has(key)).toBe(false);
    expect(
      (await getStagedUpload(alice, id, env.ports)).ok && (await env.ports.staged.get(id))?.status,
    ).toBe('stored');
    // A redelivered event changes nothing.
    expect(await ingestStagedObject(key, env.ports)).toEqual({ outcome: 'already-finished', id });
    const uploads = await env.ports.uploads.list({ userId: 'alice', limit: 10 });
    expect(uploads.uploads).toHaveLength(1);
  });

  it.each([
    [
      'a different size',
      async (bytes: Uint8Array) => bytes.subarray(1),
      /bytes, \d+ were declared/,
    ],
    [
      'different bytes',
      async (bytes: Uint8Array) => {
        const forged = bytes.slice();
        forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
        return forged;
      },
      /sha256/,
    ],
  ])('records an object with %s as failed and removes it', async (_label, tamper, message) => {
    const env = setup();
    const car = await carOf(5000, 2);
    const stored = await tamper(car.bytes);
    const result = await stageUpload(
      alice,
      { size: car.bytes.length, sha256: sha256(car.bytes) },
      env.stage,
      STAGE_SETTINGS,
    );
    if (!result.ok) throw new Error('stage failed');
    const key = `cars/${result.value.id}.car`;
    await env.ports.staging.put(key, stored);
    expect(await ingestStagedObject(key, env.ports)).toMatchObject({ outcome: 'rejected' });
    const record = await env.ports.staged.get(result.value.id);
    expect(record?.status).toBe('failed');
    expect(record?.failure?.message).toMatch(message);
    expect(await env.ports.staging.has(key)).toBe(false);
    expect(await env.ports.contents.get('anything')).toBeUndefined();
  });

  it('records an invalid CAR as failed with ERROR_INVALID_CAR', async () => {
    const env = setup();
    const notACar = new TextEncoder().encode('definitely not a CAR');
    const { id, key } = await staged(env, notACar);
    expect(await ingestStagedObject(key, env.ports)).toMatchObject({ outcome: 'rejected' });
    expect((await env.ports.staged.get(id))?.failure?.name).toBe('InvalidCar');
  });

  it('removes objects nobody staged', async () => {
    const env = setup();
    await env.ports.staging.put('cars/stray.car', new Uint8Array(3));
    expect(await ingestStagedObject('cars/stray.car', env.ports)).toEqual({
      outcome: 'not-staged',
      key: 'cars/stray.car',
    });
    expect(await env.ports.staging.has('cars/stray.car')).toBe(false);
  });

  it('throws on a storage failure so the message is retried, and a retry completes it', async () => {
    const env = setup();
    const car = await carOf(4000, 3);
    const { id, key } = await staged(env, car.bytes);
    failNext(env.ports.carpark, 'put');
    await expect(ingestStagedObject(key, env.ports)).rejects.toThrow();
    expect((await env.ports.staged.get(id))?.status).toBe('waiting');
    expect(await ingestStagedObject(key, env.ports)).toMatchObject({ outcome: 'stored' });
  });
});

describe('getStagedUpload', () => {
  it("hides another user's staged upload and malformed ids", async () => {
    const env = setup();
    const { id } = await staged(env, new Uint8Array(10));
    expect((await getStagedUpload(bob, id, env.ports)).ok).toBe(false);
    expect((await getStagedUpload(alice, 'not-a-uuid', env.ports)).ok).toBe(false);
    expect((await getStagedUpload(alice, id, env.ports)).ok).toBe(true);
  });

  it('reports an intent still waiting a day after its URL expired as failed', async () => {
    const env = setup();
    const { id } = await staged(env, new Uint8Array(10));
    env.ports.clock.advance(3600_000 + 23 * 3600_000);
    const early = await getStagedUpload(alice, id, env.ports);
    expect(early.ok && early.value.status).toBe('waiting');
    env.ports.clock.advance(2 * 3600_000);
    const late = await getStagedUpload(alice, id, env.ports);
    expect(late.ok && late.value).toMatchObject({
      status: 'failed',
      failure: { name: 'UploadAbandoned' },
    });
    expect(NFT_STORAGE_ERRORS.UploadAbandoned.code).toBe('HTTP_ERROR');
  });
});

describe('ingestStagedObject, against the edges of its contract', () => {
  it('refuses an object created after its URL expired, recording why', async () => {
    const env = setup();
    const car = await carOf(3000, 9);
    const { id, key, ticket } = await staged(env, car.bytes);
    const late = new Date(Date.parse(ticket.expires) + 1000);
    expect(await ingestStagedObject(key, env.ports, late)).toMatchObject({ outcome: 'rejected' });
    expect((await env.ports.staged.get(id))?.failure?.message).toMatch(/after its URL expired/);
    expect(await env.ports.staging.has(key)).toBe(false);
  });

  it('stores an object created before its URL expired', async () => {
    const env = setup();
    const car = await carOf(3000, 10);
    const { key, ticket } = await staged(env, car.bytes);
    const inTime = new Date(Date.parse(ticket.expires) - 1000);
    expect(await ingestStagedObject(key, env.ports, inTime)).toMatchObject({ outcome: 'stored' });
  });

  it('removes a second object PUT to a finished upload', async () => {
    const env = setup();
    const car = await carOf(3000, 11);
    const { id, key } = await staged(env, car.bytes);
    await ingestStagedObject(key, env.ports);
    await env.ports.staging.put(key, car.bytes);
    expect(await ingestStagedObject(key, env.ports)).toEqual({ outcome: 'already-finished', id });
    expect(await env.ports.staging.has(key)).toBe(false);
  });
});
