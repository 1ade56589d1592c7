/** Behaviour every BlobStore must show (the in-memory fake and the S3 bucket alike). */
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const KEY = 'bagbaieraexample/bagbaieraexample.car';

export function blobStoreContract(name: string, makeStore: Make<BlobStore>) {
  describe(`BlobStore contract: ${name}`, () => {
    it('put then get returns the same bytes, and has answers true', async () => {
      const blobs = await makeStore();
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await blobs.put(KEY, bytes);
      expect(await blobs.get(KEY)).toEqual(bytes);
      expect(await blobs.has(KEY)).toBe(true);
    });

    it('a missing key is absence, not an error', async () => {
      const blobs = await makeStore();
      await expect(blobs.get('missing/missing.car')).resolves.toBeUndefined();
      await expect(blobs.has('missing/missing.car')).resolves.toBe(false);
    });

    it('keys are exact: a prefix of a stored key is not stored', async () => {
      const blobs = await makeStore();
      await blobs.put(KEY, new Uint8Array([1]));
      expect(await blobs.has('bagbaieraexample')).toBe(false);
      expect(await blobs.get('bagbaieraexample/')).toBeUndefined();
    });

    it('rewriting a key (a retried upload) keeps one readable object', async () => {
      const blobs = await makeStore();
      await blobs.put(KEY, new Uint8Array([1, 2, 3]));
      await blobs.put(KEY, new Uint8Array([1, 2, 3]));
      expect(await blobs.get(KEY)).toEqual(new Uint8Array([1, 2, 3]));
    });

    it('delete removes the object; deleting a missing key succeeds', async () => {
      const blobs = await makeStore();
      await blobs.put(KEY, new Uint8Array([1, 2, 3]));
      await blobs.delete(KEY);
      expect(await blobs.has(KEY)).toBe(false);
      expect(await blobs.get(KEY)).toBeUndefined();
      await expect(blobs.delete(KEY)).resolves.toBeUndefined();
      await expect(blobs.delete('never/stored.car')).resolves.toBeUndefined();
    });

    it('stores a multi-megabyte CAR intact', async () => {
      const blobs = await makeStore();
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
      await blobs.put(KEY, bytes);
      const read = await blobs.get(KEY);
      expect(read?.length).toBe(bytes.length);
      expect(Buffer.from(read ?? []).equals(Buffer.from(bytes))).toBe(true);
    });

    it('an empty object is stored and read back as empty, not as missing', async () => {
      const blobs = await makeStore();
      await blobs.put(KEY, new Uint8Array());
      expect(await blobs.has(KEY)).toBe(true);
      expect(await blobs.get(KEY)).toEqual(new Uint8Array());
    });

    it('streams an object whole, or only a byte range of it', async () => {
      const blobs = await makeStore();
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 253);
      await blobs.put(KEY, bytes);
      expect(Buffer.compare(await collect(await blobs.stream(KEY)), bytes)).toBe(0);
      const part = await collect(await blobs.stream(KEY, { offset: 100_000, length: 150_001 }));
      expect(Buffer.compare(part, bytes.subarray(100_000, 250_001))).toBe(0);
    });

    it('cuts a range at the end of the object; an empty range or one past the end is empty', async () => {
      const blobs = await makeStore();
      await blobs.put(KEY, new Uint8Array([1, 2, 3, 4, 5]));
      expect([...(await collect(await blobs.stream(KEY, { offset: 3, length: 10 })))]).toEqual([
        4, 5,
      ]);
      expect((await collect(await blobs.stream(KEY, { offset: 1, length: 0 }))).length).toBe(0);
      expect((await collect(await blobs.stream(KEY, { offset: 5, length: 3 }))).length).toBe(0);
    });

    it('streams nothing for a missing key: undefined, not an error', async () => {
      const blobs = await makeStore();
      await expect(blobs.stream('missing/missing.car')).resolves.toBeUndefined();
      await expect(
        blobs.stream('missing/missing.car', { offset: 0, length: 10 }),
      ).resolves.toBeUndefined();
    });
  });
}

async function collect(stream: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array> {
  if (!stream) throw new Error('the object is missing');
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
