/**
 * The provider clients against fixture servers that answer as IPFS Cluster's REST API and the
 * Pinning Service API document it, errors included: what each client sends, how it reads the
 * answers, and which failures are retried (ProviderUnavailable) or a pin's own.
 */
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterProvider } from '../../lambdas/adapters/http/cluster.ts';
import { pinningServiceProvider } from '../../lambdas/adapters/http/pinning-service.ts';
import { FailureError } from '../../lambdas/core/failures.ts';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import type { ProviderItem } from '../../lambdas/core/ports.ts';
import { type ClusterFixture, clusterFixture } from '../support/fixtures/cluster.ts';
import {
  type PinningServiceFixture,
  pinningServiceFixture,
} from '../support/fixtures/pinning-service.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';

async function item(seed: number, chunks = 1): Promise<ProviderItem & { blocks: number }> {
  const packed = await packFile(seededBytes(700_000, seed));
  if (!packed.ok) throw new Error('pack failed');
  const { root, blocks } = packed.value;
  // The DAG in `chunks` CARs, joined as the worker joins a chunked upload's CARs.
  const { joinCars } = await import('../../lambdas/core/ipfs/car-stream.ts');
  const parts = await Promise.all(
    Array.from({ length: chunks }, (_, i) =>
      encodeCar(
        root,
        blocks.filter((_b, j) => j % chunks === i),
      ),
    ),
  );
  return {
    cid: root.toString(),
    blocks: blocks.length,
    car: async () =>
      joinCars(
        root,
        parts.map(
          (bytes) => async () =>
            (async function* () {
              yield bytes;
            })(),
        ),
      ),
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const rejectsUnavailable = async (promise: Promise<unknown>, message: RegExp) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FailureError);
  expect((error as FailureError).failure).toMatchObject({ name: 'ProviderUnavailable' });
  expect((error as FailureError).failure.message).toMatch(message);
};

describe('IPFS Cluster client', () => {
  let cluster: ClusterFixture;
  beforeAll(async () => {
    cluster = await clusterFixture({ user: 'pinstack', password: 'secret' });
  });
  afterAll(() => cluster?.close());
  const client = (credential = 'basic:pinstack:secret') =>
    clusterProvider({ name: 'cluster', url: cluster.url, credential: async () => credential });

  it('pushes a DAG as one CAR (chunks joined, one root) and reads its status in batches', async () => {
    const one = await item(1, 3);
    const two = await item(2);
    const answers = await client().pin([one, two], []);
    expect(answers.get(one.cid)).toEqual({ status: 'pinning' });
    expect(cluster.pins.get(one.cid)?.blocks).toBe(one.blocks);
    expect(cluster.seen.filter((line) => line.startsWith('POST /add'))).toEqual([
      `POST /add?format=car&name=${one.cid}&stream-channels=false`,
      `POST /add?format=car&name=${two.cid}&stream-channels=false`,
    ]);
    cluster.settle();
    const status = await client().status([one, two, await item(3)]);
    expect([...status.values()].map((a) => a.status)).toEqual(['pinned', 'pinned', 'absent']);
    expect(cluster.seen.at(-1)).toMatch(/^GET \/pins\?cids=[^&]+,[^&]+,[^&]+$/);
  });

  it('reports a pin error of the cluster as the pin failing', async () => {
    const one = await item(4);
    await client().pin([one], []);
    cluster.settle('pin_error');
    expect((await client().status([one])).get(one.cid)).toEqual({
      status: 'failed',
      error: 'context deadline exceeded',
    });
  });

  it('unpins, and takes an unknown pin as unpinned', async () => {
    const one = await item(5);
    await client().pin([one], []);
    await client().unpin([one, await item(6)]);
    expect(cluster.pins.has(one.cid)).toBe(false);
  });

  it('retries refused credentials and a cluster that is down', async () => {
    const one = await item(7);
    await rejectsUnavailable(
      client('basic:pinstack:wrong').pin([one], []),
      /answered HTTP 401: .*access denied/,
    );
    cluster.mode = 'down';
    try {
      await rejectsUnavailable(client().status([one]), /answered HTTP 502/);
    } finally {
      cluster.mode = 'ok';
    }
    const closed = clusterProvider({ name: 'gone', url: `http://127.0.0.1:${await closedPort()}` });
    await rejectsUnavailable(closed.status([one]), /provider gone: unreachable \(ECONNREFUSED\)/);
  });
});

describe('remote Pinning Service client', () => {
  let remote: PinningServiceFixture;
  beforeAll(async () => {
    remote = await pinningServiceFixture('token-1');
  });
  afterAll(() => remote?.close());
  const client = (token = 'token-1') =>
    pinningServiceProvider({ name: 'remote', url: remote.url, credential: async () => token });

  it('asks by CID with pinstack’s gateway as origin, keeps the request id, polls in batches of 10', async () => {
    const items = await Promise.all(Array.from({ length: 12 }, (_, i) => item(20 + i)));
    const answers = await client().pin(items, ['https://gw.example']);
    const first = answers.get(items[0]?.cid as string);
    expect(first).toMatchObject({ status: 'queued', requestId: expect.any(String) });
    const sent = [...remote.pins.values()][0]?.pin;
    expect(sent?.origins).toEqual([
      expect.stringMatching(/^\/dns\/gw\.example\/tcp\/443\/https\/p2p\/12D3KooW/),
    ]);
    remote.settle();
    const withIds = items.map((i) => ({
      ...i,
      requestId: answers.get(i.cid)?.requestId as string,
    }));
    const status = await client().status(withIds);
    expect([...status.values()].every((a) => a.status === 'pinned')).toBe(true);
    expect(remote.seen.filter((line) => line.startsWith('GET /pins?'))).toHaveLength(2);
    // Another request for the same CID is not ours.
    const other = await client().status([
      { ...withIds[0], requestId: 'someone-else' } as ProviderItem,
    ]);
    expect(other.get(items[0]?.cid as string)).toEqual({ status: 'absent' });
  });

  it('takes a pin the service fails as failed, with its details', async () => {
    const one = await item(40);
    const requestId = (await client().pin([one], [])).get(one.cid)?.requestId as string;
    remote.settle('failed');
    expect((await client().status([{ ...one, requestId }])).get(one.cid)).toMatchObject({
      status: 'failed',
      error: 'could not fetch it',
    });
  });

  it('unpins by request id, and takes an unknown one as unpinned', async () => {
    const one = await item(41);
    const requestId = (await client().pin([one], [])).get(one.cid)?.requestId as string;
    await client().unpin([
      { ...one, requestId },
      { ...one, requestId: 'unknown' },
    ]);
    expect(remote.pins.has(requestId)).toBe(false);
  });

  it('retries a bad token, throttling and an outage; a refused pin fails on its own', async () => {
    const one = await item(42);
    await rejectsUnavailable(client('wrong').pin([one], []), /answered HTTP 401: .*UNAUTHORIZED/);
    remote.mode = 'rate-limited';
    try {
      await rejectsUnavailable(client().pin([one], []), /answered HTTP 429/);
      remote.mode = 'down';
      await rejectsUnavailable(client().status([one]), /answered HTTP 503/);
    } finally {
      remote.mode = 'ok';
    }
    const refused = await client().pin([{ ...one, cid: 'not-a-cid' }], []);
    expect(refused.get('not-a-cid')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^refused \(HTTP 400\): BAD_REQUEST/),
    });
  });
});

it('joins CAR chunks into one CAR whose blocks are every chunk’s', async () => {
  const one = await item(50, 4);
  const chunks: Uint8Array[] = [];
  for await (const chunk of await one.car()) chunks.push(chunk);
  const reader = CarBufferReader.fromBytes(Buffer.concat(chunks));
  expect(reader.getRoots().map(String)).toEqual([one.cid]);
  expect(reader.blocks()).toHaveLength(one.blocks);
});
