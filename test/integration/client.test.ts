/**
 * pinstack/client against the local stack, used as nft.storage's client is: `storeBlob` of
 * 20 MiB with default options (a multipart staged upload), directories, NFTs, CARs, chunked
 * CARs, status, check, delete, list — and an interrupted upload resuming with only the parts
 * S3 did not have.
 */

import { NFTStorage, type UploadStats } from 'pinstack/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const MiB = 1024 * 1024;
let stack: TestStack;
let endpoint: URL;

beforeAll(async () => {
  process.env.RATE_LIMIT_REQUESTS = '100000';
  stack = await withLocalStack();
  endpoint = new URL(`${stack.apiUrl}/`);
});

afterAll(async () => {
  await stack?.stop();
});

async function client(user: string, fetch?: typeof globalThis.fetch) {
  const { token } = await createTestToken(stack, user);
  return new NFTStorage({ token, endpoint, ...(fetch ? { fetch } : {}) });
}

describe('pinstack/client on the local stack', () => {
  it('stores a 20 MiB blob with default options, pinned under the CID computed locally', async () => {
    const nft = await client('client-blob');
    const blob = new Blob([seededBytes(20 * MiB, 1)]);
    const progress: number[] = [];
    const cid = await nft.storeBlob(blob, {
      onProgress: ({ bytes }) => progress.push(bytes),
    });
    expect(cid).toBe((await NFTStorage.encodeBlob(blob)).cid.toString());
    const status = await nft.status(cid);
    expect(status).toMatchObject({ cid, pin: { status: 'pinned' } });
    expect(status.created).toBeInstanceOf(Date);
    const check = await nft.check(cid);
    expect(check.pin.status).toBe('pinned');
    expect(progress.at(-1)).toBeGreaterThan(20 * MiB);
  });

  it('stores small content inline, directories and NFTs; lists and deletes them', async () => {
    const nft = await client('client-mixed');
    const small = await nft.storeBlob(new Blob(['hello world!']));
    expect(small).toBe('bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve');
    const dir = await nft.storeDirectory([
      new File(['a'], 'a.txt'),
      new File([seededBytes(9 * MiB, 2)], 'big/b.bin'),
    ]);
    expect(dir).toBe(
      (
        await NFTStorage.encodeDirectory([
          new File(['a'], 'a.txt'),
          new File([seededBytes(9 * MiB, 2)], 'big/b.bin'),
        ])
      ).cid.toString(),
    );
    const token = await nft.store({
      name: 'pie',
      description: 'a pie',
      image: new File(['<png>'], 'pie.png', { type: 'image/png' }),
    });
    expect(token.url).toBe(`ipfs://${token.ipnft}/metadata.json`);
    expect((await nft.status(token.ipnft)).pin.status).toBe('pinned');
    const listed = [];
    for await (const upload of nft.list({ limit: 2 })) listed.push(upload.cid);
    expect(listed.sort()).toEqual([small, dir, token.ipnft].sort());
    await nft.delete(small);
    await expect(nft.status(small)).rejects.toMatchObject({ status: 404 });
  });

  it('stores a CAR file as it is, and a DAG split into chunks of a smaller target', async () => {
    const nft = await client('client-cars');
    const packed = await packFile(seededBytes(12 * MiB, 3));
    if (!packed.ok) throw new Error(packed.error.message);
    const car = new Blob([await encodeCar(packed.value.root, packed.value.blocks)]);
    expect(await nft.storeCar(car)).toBe(packed.value.root.toString());
    const chunks: number[] = [];
    const blob = new Blob([seededBytes(6 * MiB, 4)]);
    const cid = await nft.storeBlob(blob, {
      maxChunkSize: 2 * MiB,
      onStoredChunk: (size) => chunks.push(size),
    });
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.every((size) => size <= 2.5 * MiB)).toBe(true);
    await stack.idle();
    expect((await nft.status(cid)).pin.status).toBe('pinned');
  });

  it('resumes an interrupted upload, sending only the parts S3 did not have', async () => {
    let partPuts = 0;
    let failAt: number | undefined = 3;
    const counting = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (init?.method === 'PUT' && url.includes('partNumber=')) {
        partPuts++;
        if (partPuts === failAt) throw new Error('the network went away');
      }
      return fetch(input, init);
    }) as typeof fetch;
    const nft = await client('client-resumer', counting);
    const blob = new Blob([seededBytes(40 * MiB + 5, 5)]);
    const first: UploadStats = { partsSent: 0, partsSkipped: 0 };
    await expect(
      nft.storeBlob(blob, { concurrency: 1, maxRetries: 0, stats: first }),
    ).rejects.toThrow(/network went away/);
    expect(first.partsSent).toBe(2);
    failAt = undefined;
    partPuts = 0;
    const second: UploadStats = { partsSent: 0, partsSkipped: 0 };
    const cid = await nft.storeBlob(blob, { concurrency: 2, stats: second });
    // 40 MiB in 8 MiB parts: 6 parts, 2 of them sent before the interruption.
    expect(second).toEqual({ partsSent: 4, partsSkipped: 2 });
    expect(partPuts).toBe(4);
    expect((await nft.status(cid)).pin.status).toBe('pinned');
  });

  it('reports a refused upload with the server’s message and does not retry it', async () => {
    const { token } = await createTestToken(stack, 'client-refused');
    const nft = new NFTStorage({ token: `${token}x`, endpoint });
    await expect(nft.storeBlob(new Blob(['x']))).rejects.toMatchObject({ status: 401 });
  });
});
