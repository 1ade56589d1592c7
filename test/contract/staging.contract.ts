/**
 * Behaviour every StagingArea must show: the in-memory fake, and the S3 adapter on the
 * embedded emulator behind the local stack's S3 proxy (which adds the ListParts fauxqs lacks).
 * A harness plays the client: it sends what the presigned requests say to send.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobStore, PresignedRequest, StagingArea } from '../../lambdas/core/ports.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import type { Make } from './make.ts';

export interface StagingHarness {
  staging: StagingArea;
  carpark: BlobStore;
  /** Sends bytes as a client would to a presigned request; answers the ETag S3 gave. */
  send(request: PresignedRequest, bytes: Uint8Array): Promise<string>;
}

const MiB = 1024 * 1024;
const KEY = 'cars/2b0c1f7e-4f55-4c43-9a0e-0d5b6a3e2f10.car';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

async function collect(object: { body: AsyncIterable<Uint8Array> } | undefined): Promise<Buffer> {
  if (!object) throw new Error('no object');
  const chunks: Uint8Array[] = [];
  for await (const chunk of object.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function stagingAreaContract(name: string, make: Make<StagingHarness>) {
  describe(`StagingArea contract: ${name}`, () => {
    it('a presigned PUT stores the object, which streams back, by range too, then goes', async () => {
      const { staging, send } = await make();
      const bytes = seededBytes(300_000, 1);
      const put = await staging.presignPut({ key: KEY, size: bytes.length, expiresInSeconds: 60 });
      expect(put.method).toBe('PUT');
      expect(put.headers['content-length']).toBe(String(bytes.length));
      expect(put.headers['x-amz-checksum-sha256']).toBeUndefined();
      await send(put, bytes);
      expect(await staging.has(KEY)).toBe(true);
      const object = await staging.open(KEY);
      expect(object?.size).toBe(bytes.length);
      expect((await collect(object)).equals(bytes)).toBe(true);
      const range = await staging.readRange(KEY, 1000, 5000);
      expect(Buffer.from(range).equals(bytes.subarray(1000, 6000))).toBe(true);
      await staging.delete(KEY);
      expect(await staging.has(KEY)).toBe(false);
      expect(await staging.open(KEY)).toBeUndefined();
      await expect(staging.delete(KEY)).resolves.toBeUndefined();
    });

    it('a declared SHA-256 is a header the PUT must carry', async () => {
      const { staging } = await make();
      const digest = sha256(new Uint8Array(10));
      const put = await staging.presignPut({
        key: KEY,
        size: 10,
        sha256: digest,
        expiresInSeconds: 60,
      });
      expect(put.headers['x-amz-checksum-sha256']).toBe(digest);
    });

    it('a multipart upload lists the parts it has, then assembles them in order', async () => {
      const { staging, send } = await make();
      const parts = [seededBytes(5 * MiB, 2), seededBytes(5 * MiB, 3), seededBytes(1000, 4)];
      const uploadId = await staging.createMultipart(KEY, { checksums: false });
      expect(await staging.listParts(KEY, uploadId)).toEqual([]);
      const etags: string[] = [];
      // Out of order, as parallel uploads arrive.
      for (const i of [2, 0, 1]) {
        const bytes = parts[i] as Uint8Array;
        const url = await staging.presignPart({
          key: KEY,
          uploadId,
          partNumber: i + 1,
          size: bytes.length,
          expiresInSeconds: 60,
        });
        expect(url.headers['content-length']).toBe(String(bytes.length));
        etags[i] = await send(url, bytes);
      }
      expect(await staging.listParts(KEY, uploadId)).toEqual(
        parts.map((bytes, i) => ({ partNumber: i + 1, size: bytes.length, etag: etags[i] })),
      );
      expect(await staging.has(KEY)).toBe(false);
      const done = await staging.completeMultipart(
        KEY,
        uploadId,
        etags.map((etag, i) => ({ partNumber: i + 1, etag })),
      );
      expect(done).toEqual({ ok: true, value: undefined });
      const object = await staging.open(KEY);
      expect(object?.size).toBe(10 * MiB + 1000);
      expect((await collect(object)).equals(Buffer.concat(parts))).toBe(true);
      // Completed: S3 lists no parts any more, and aborting it is harmless.
      expect(await staging.listParts(KEY, uploadId)).toBeUndefined();
      await expect(staging.abortMultipart(KEY, uploadId)).resolves.toBeUndefined();
    });

    it('refuses to assemble parts it does not have, keeping the upload open', async () => {
      const { staging, send } = await make();
      const uploadId = await staging.createMultipart(KEY, { checksums: false });
      const bytes = seededBytes(1000, 5);
      const url = await staging.presignPart({
        key: KEY,
        uploadId,
        partNumber: 1,
        size: bytes.length,
        expiresInSeconds: 60,
      });
      const etag = await send(url, bytes);
      const wrong = await staging.completeMultipart(KEY, uploadId, [
        { partNumber: 1, etag: '"00000000000000000000000000000000"' },
      ]);
      expect(wrong).toMatchObject({ ok: false, error: { name: 'InvalidRequest' } });
      expect(await staging.listParts(KEY, uploadId)).toEqual([{ partNumber: 1, size: 1000, etag }]);
    });

    it('an aborted upload lists no parts and assembles nothing', async () => {
      const { staging, send } = await make();
      const uploadId = await staging.createMultipart(KEY, { checksums: false });
      const bytes = seededBytes(1000, 6);
      const url = await staging.presignPart({
        key: KEY,
        uploadId,
        partNumber: 1,
        size: bytes.length,
        expiresInSeconds: 60,
      });
      const etag = await send(url, bytes);
      await staging.abortMultipart(KEY, uploadId);
      expect(await staging.listParts(KEY, uploadId)).toBeUndefined();
      expect(
        await staging.completeMultipart(KEY, uploadId, [{ partNumber: 1, etag }]),
      ).toMatchObject({ ok: false, error: { name: 'InvalidRequest' } });
      expect(await staging.has(KEY)).toBe(false);
      await expect(staging.abortMultipart(KEY, uploadId)).resolves.toBeUndefined();
    });

    it('part URLs sign each declared part SHA-256 as a header', async () => {
      const { staging } = await make();
      const uploadId = await staging.createMultipart(KEY, { checksums: true });
      const digest = sha256(new Uint8Array(5));
      const url = await staging.presignPart({
        key: KEY,
        uploadId,
        partNumber: 1,
        size: 5,
        sha256: digest,
        expiresInSeconds: 60,
      });
      expect(url.headers['x-amz-checksum-sha256']).toBe(digest);
    });

    it('copies an object into the carpark without a round trip through the caller', async () => {
      const { staging, carpark, send } = await make();
      const bytes = seededBytes(700_000, 7);
      const put = await staging.presignPut({ key: KEY, size: bytes.length, expiresInSeconds: 60 });
      await send(put, bytes);
      await staging.copyToCarpark(KEY, 'bagbaieracopy/bagbaieracopy.car', bytes.length);
      const copied = await carpark.get('bagbaieracopy/bagbaieracopy.car');
      expect(Buffer.from(copied ?? []).equals(bytes)).toBe(true);
      // The staged object is still there until the ingest removes it.
      expect(await staging.has(KEY)).toBe(true);
    });
  });
}
