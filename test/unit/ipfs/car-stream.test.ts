/**
 * The one CAR verifier over a stream (a staged object as S3 sends it): the same answers as for
 * the same bytes in memory, whatever the chunking, with the CAR's digest computed on the way,
 * storage failures kept apart from CAR problems, and nothing buffered past one block.
 */
import { createHash } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import {
  type CarVerification,
  carCid,
  encodeCar,
  validateCar,
  verifyCar,
} from '../../../lambdas/core/ipfs/car.ts';
import { decodeLinkIndex, encodeLinkIndex } from '../../../lambdas/core/ipfs/link-index.ts';
import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import { craftCar, seededBytes, seededRandom, utf8 } from '../../support/ipfs-fixtures.ts';

async function* chunked(bytes: Uint8Array, sizes: () => number) {
  for (let at = 0; at < bytes.byteLength; ) {
    const end = Math.min(bytes.byteLength, at + Math.max(1, sizes()));
    // Copies, as a socket would hand them over: nothing may keep a view into an old chunk.
    yield bytes.slice(at, end);
    at = end;
  }
}

const streamOf = (bytes: Uint8Array, seed = 1, max = 70_000) => {
  const random = seededRandom(seed);
  return chunked(bytes, () => Math.floor(random() * max));
};

/** What a verification says, comparable across sources (no object identities). */
async function summary(result: CarVerification) {
  if (!result.ok) return { ok: false, error: result.error };
  const { blocks, root, carCid, ...rest } = result.value;
  const links = [];
  for await (const [cid, node] of blocks.entries()) {
    links.push([cid.toString(), node.size, node.links?.map(String) ?? null]);
  }
  return { ok: true, root: root.toString(), carCid: carCid.toString(), ...rest, links };
}

const blockOf = async (code: number, bytes: Uint8Array): Promise<Block> => ({
  cid: CID.createV1(code, await sha256.digest(bytes)),
  bytes,
});

async function fileCar(length: number, seed: number) {
  const packed = await packFile(seededBytes(length, seed));
  if (!packed.ok) throw new Error(packed.error.message);
  return { ...packed.value, car: await encodeCar(packed.value.root, packed.value.blocks) };
}

describe('verifyCar over a stream', () => {
  it('answers as for the same bytes in memory, for every chunking', async () => {
    const file = await fileCar(1_300_000, 3);
    const dir = await packDirectory([
      { name: 'a.txt', content: utf8('alpha') },
      { name: 'b/c.bin', content: seededBytes(300_000, 4) },
    ]);
    if (!dir.ok) throw new Error(dir.error.message);
    const [rootBlock, ...rest] = file.blocks as [Block, ...Block[]];
    const tampered = await craftCar(
      [file.root],
      [rootBlock, { cid: (rest[0] as Block).cid, bytes: seededBytes(10, 1) }, ...rest.slice(1)],
    );
    const cars = [
      file.car,
      await encodeCar(dir.value.root, dir.value.blocks),
      await craftCar([file.root], [rootBlock]),
      tampered,
      file.car.subarray(0, file.car.byteLength - 7),
      seededBytes(500, 2),
    ];
    for (const [i, car] of cars.entries()) {
      const inMemory = await summary(await validateCar(car));
      for (const max of [1, 13, 4096, 300_000]) {
        const streamed = await summary(await verifyCar({ stream: streamOf(car, i + max, max) }));
        expect(streamed, `CAR ${i}, chunks up to ${max} bytes`).toEqual(inMemory);
      }
    }
  });

  it("computes the CAR's CID and length from the bytes that streamed past", async () => {
    const { car } = await fileCar(700_000, 5);
    const result = await verifyCar({ stream: streamOf(car) });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.carCid.toString()).toBe((await carCid(car)).toString());
    expect(result.value.carBytes).toBe(car.byteLength);
  });

  it('reads the rest after an invalid block when asked, so the whole digest is known', async () => {
    const { root, blocks } = await fileCar(900_000, 6);
    const [first, second, ...rest] = blocks as [Block, Block, ...Block[]];
    const car = await craftCar(
      [root],
      [first, { cid: second.cid, bytes: seededBytes(second.bytes.byteLength, 9) }, ...rest],
    );
    const result = await verifyCar({ stream: streamOf(car), readToEnd: true });
    expect(result).toMatchObject({ ok: false, error: { reason: 'hash-mismatch' } });
    if (result.ok) return;
    expect(result.read?.bytes).toBe(car.byteLength);
    expect(Buffer.from(result.read?.sha256 ?? []).toString('hex')).toBe(
      createHash('sha256').update(car).digest('hex'),
    );
  });

  it("rethrows the source's own failure instead of calling the CAR invalid", async () => {
    const { car } = await fileCar(700_000, 7);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    async function* failing() {
      yield car.slice(0, 300_000);
      throw reset;
    }
    await expect(verifyCar({ stream: failing() })).rejects.toBe(reset);
  });

  it('refuses a section that claims gigabytes without buffering the stream', async () => {
    const leaf = await blockOf(raw.code, utf8('x'));
    const header = (await craftCar([leaf.cid], [])).slice();
    // A section length varint of 2^31 followed by an endless stream of zeros.
    const claim = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x08]);
    let served = 0;
    async function* endless() {
      yield header;
      yield claim;
      yield leaf.cid.bytes;
      for (;;) {
        served += 1 << 20;
        if (served > 64 << 20) throw new Error('the verifier kept reading');
        yield new Uint8Array(1 << 20);
      }
    }
    const result = await verifyCar({ stream: endless() });
    expect(result).toMatchObject({ ok: false, error: { reason: 'block-too-big' } });
    expect(served).toBeLessThanOrEqual(4 << 20);
  });

  it('reads back a block linked under another codec than the CAR gave it', async () => {
    // The same bytes as a raw block in the CAR, and linked as dag-pb from the root.
    const leaf = await blockOf(raw.code, utf8('leaf'));
    const node = dagPb.encode({ Links: [{ Hash: leaf.cid, Tsize: 4 }] });
    const asRaw = await blockOf(raw.code, node);
    const asPb = CID.createV1(dagPb.code, asRaw.cid.multihash);
    const root = await blockOf(dagCbor.code, dagCbor.encode({ child: asPb }));
    const car = await craftCar([root.cid], [root, asRaw]);
    const reads: [number, number][] = [];
    const result = await verifyCar({
      stream: streamOf(car),
      readBack: async (offset, length) => {
        reads.push([offset, length]);
        return car.slice(offset, offset + length);
      },
    });
    // Decoded as dag-pb, the node links to the leaf, which is missing.
    expect(result).toMatchObject({ ok: true, value: { structure: 'partial' } });
    expect(result.ok && result.value.missing.map(String)).toEqual([leaf.cid.toString()]);
    expect(reads).toEqual([[car.byteLength - node.byteLength, node.byteLength]]);
    expect(await summary(result)).toMatchObject(await summary(await validateCar(car)));
  });

  it('refuses more blocks than one CAR may hold', async () => {
    const blocks = await Promise.all(
      Array.from({ length: 6 }, (_, i) => blockOf(raw.code, utf8(`block ${i}`))),
    );
    const car = await craftCar([(blocks[0] as Block).cid], blocks);
    expect(await verifyCar({ stream: streamOf(car) }, { maxBlocks: 5 })).toMatchObject({
      ok: false,
      error: { reason: 'too-many-blocks', message: 'more than 5 blocks in one CAR' },
    });
    expect((await verifyCar({ bytes: car }, { maxBlocks: 6 })).ok).toBe(true);
  });
});

describe('link index', () => {
  it('round-trips every block of a partial CAR, undecodable links included', async () => {
    const { root, blocks } = await fileCar(1_000_000, 8);
    const odd = await blockOf(0x0200, utf8('{"json":true}'));
    const car = await validateCar(await craftCar([root], [...blocks.slice(0, 3), odd]));
    if (!car.ok) throw new Error(car.error.message);
    const decoded = decodeLinkIndex(
      await encodeLinkIndex(car.value.blocks.entries(), car.value.blocks.size),
    );
    expect(
      decoded.map(([cid, node]) => [cid.toString(), node.size, node.links?.map(String)]),
    ).toEqual(
      [...blocks.slice(0, 3), odd].map((block) => {
        const links: CID[] = [];
        const decodable = block.cid.code !== 0x0200;
        if (block.cid.code === dagPb.code) {
          for (const link of dagPb.decode(block.bytes).Links) links.push(link.Hash);
        }
        return [
          block.cid.toString(),
          block.bytes.byteLength,
          decodable ? links.map(String) : undefined,
        ];
      }),
    );
  });

  it('still reads indexes written as a list of entries', async () => {
    const leaf = await blockOf(raw.code, utf8('leaf'));
    const odd = await blockOf(0x0200, utf8('{}'));
    const legacy = dagCbor.encode([
      [leaf.cid, 4, []],
      [odd.cid, 2, null],
    ]);
    expect(decodeLinkIndex(legacy)).toEqual([
      [leaf.cid, { size: 4, links: [] }],
      [odd.cid, { size: 2, links: undefined }],
    ]);
  });

  it('rejects a malformed index', () => {
    expect(() => decodeLinkIndex(dagCbor.encode({ version: 2, cids: 'nope' }))).toThrow(
      /malformed link index/,
    );
  });
});
