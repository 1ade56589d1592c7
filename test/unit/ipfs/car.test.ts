import { createHash } from 'node:crypto';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { identity } from 'multiformats/hashes/identity';
import { sha256, sha512 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { InvalidCar } from '../../../lambdas/core/failures.ts';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import {
  CAR_CODEC,
  carCid,
  encodeCar,
  type ValidCar,
  validateCar,
  verifyCarBlocks,
} from '../../../lambdas/core/ipfs/car.ts';
import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import {
  craftCar,
  sameBytes,
  seededBytes,
  seededRandom,
  utf8,
} from '../../support/ipfs-fixtures.ts';

async function rawBlock(bytes: Uint8Array): Promise<Block> {
  return { cid: CID.create(1, raw.code, await sha256.digest(bytes)), bytes };
}

async function cborBlock(value: unknown): Promise<Block> {
  const bytes = dagCbor.encode(value);
  return { cid: CID.create(1, dagCbor.code, await sha256.digest(bytes)), bytes };
}

async function fileDag(length: number, seed = 1) {
  const result = await packFile(seededBytes(length, seed));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function entriesOf(car: Pick<ValidCar, 'blocks'>) {
  const entries = [];
  for await (const entry of car.blocks.entries()) entries.push(entry);
  return entries;
}

async function valid(bytes: Uint8Array, opts?: { maxBlockBytes?: number }): Promise<ValidCar> {
  const result = await validateCar(bytes, opts);
  if (!result.ok) throw new Error(`expected a valid CAR, got: ${result.error.message}`);
  return result.value;
}

async function invalid(bytes: Uint8Array, opts?: { maxBlockBytes?: number }): Promise<InvalidCar> {
  const result = await validateCar(bytes, opts);
  if (result.ok) throw new Error('expected an invalid CAR');
  return result.error;
}

describe('encodeCar and carCid', () => {
  it('writes the same bytes as @ipld/car streaming writer', async () => {
    const { root, blocks } = await fileDag(700_000);
    const bytes = await encodeCar(root, blocks);
    expect(Buffer.compare(bytes, await craftCar([root], blocks))).toBe(0);

    const reader = CarBufferReader.fromBytes(bytes);
    expect(reader.getRoots().map(String)).toEqual([root.toString()]);
    expect(reader.blocks().map((block) => block.cid.toString())).toEqual(
      blocks.map((block) => block.cid.toString()),
    );
  });

  it('names a CAR by CIDv1, codec 0x0202, sha2-256 of its bytes', async () => {
    const { root, blocks } = await fileDag(1000);
    const bytes = await encodeCar(root, blocks);
    const cid = await carCid(bytes);
    expect(cid.version).toBe(1);
    expect(cid.code).toBe(CAR_CODEC);
    expect(cid.multihash.code).toBe(sha256.code);
    expect(Buffer.from(cid.multihash.digest).toString('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    expect(cid.toString()).toMatch(/^bagbaiera/);
  });
});

describe('validateCar accepts', () => {
  it('a complete multi-block file DAG, reporting root, CAR CID and size', async () => {
    const { root, blocks } = await fileDag(1_300_000);
    const bytes = await encodeCar(root, blocks);
    const car = await valid(bytes);

    expect(car.root.toString()).toBe(root.toString());
    expect((await entriesOf(car)).map(([cid]) => cid.toString())).toEqual(
      blocks.map((block) => block.cid.toString()),
    );
    expect(car.carCid.toString()).toBe((await carCid(bytes)).toString());
    expect(car.carBytes).toBe(bytes.byteLength);
    expect(car.structure).toBe('complete');
    expect(car.missing).toEqual([]);
    // dag-pb root: its own length plus the Tsize of each link.
    const rootNode = dagPb.decode(blocks[0]?.bytes ?? new Uint8Array());
    const tsizes = rootNode.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0);
    expect(car.dagSize).toBe((blocks[0]?.bytes.byteLength ?? 0) + tsizes);
    expect(car.dagSize).toBe(blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0));
  });

  it('keeps no block bytes, reading them back from the input as views, not copies', async () => {
    const { root, blocks } = await fileDag(600_000);
    const bytes = await encodeCar(root, blocks);
    const car = await valid(bytes);
    for (const block of blocks) {
      const back = car.blocks.bytesOf(block.cid) as Uint8Array;
      expect(back.buffer).toBe(bytes.buffer);
      expect(sameBytes(back, block.bytes)).toBe('same');
    }
  });

  it('a CAR that is a view into a larger buffer, hashing only its own bytes', async () => {
    const { root, blocks } = await fileDag(300_000);
    const bytes = await encodeCar(root, blocks);
    const padded = new Uint8Array(bytes.byteLength + 64).fill(0xaa);
    padded.set(bytes, 32);
    const view = padded.subarray(32, 32 + bytes.byteLength);
    const car = await valid(view);
    expect(car.carCid.toString()).toBe((await carCid(bytes)).toString());
    expect(car.carBytes).toBe(bytes.byteLength);
  });

  it('a single raw block, sized by its length', async () => {
    const block = await rawBlock(utf8('hello world!'));
    const car = await valid(await craftCar([block.cid], [block]));
    expect(car.root.toString()).toBe('bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve');
    expect(car.dagSize).toBe(12);
    expect(car.structure).toBe('complete');
  });

  it('a root with links but no other block, as a partial DAG sized by its Tsizes', async () => {
    const { root, blocks } = await fileDag(1_000_000);
    const [rootBlock] = blocks as [Block];
    const car = await valid(await craftCar([root], [rootBlock]));
    expect(car.structure).toBe('partial');
    expect(car.missing.map(String)).toEqual(blocks.slice(1).map((block) => block.cid.toString()));
    expect(car.dagSize).toBe(blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0));
  });

  it.each([
    ['one Tsize of 2^53-1 plus the root', [Number.MAX_SAFE_INTEGER, 10]],
    ['Tsizes summing past 2^53', [2 ** 52, 2 ** 52]],
  ])('a partial DAG whose root declares %s: size unknown, not a crash', async (_label, tsizes) => {
    const leaves = await Promise.all(tsizes.map((_, i) => rawBlock(utf8(`leaf ${i}`))));
    const rootBytes = dagPb.encode(
      dagPb.prepare({
        Data: new Uint8Array([8, 2]),
        Links: leaves.map((leaf, i) => ({ Hash: leaf.cid, Name: `${i}`, Tsize: tsizes[i] })),
      }),
    );
    const root = CID.createV1(dagPb.code, await sha256.digest(rootBytes));
    const car = await valid(await craftCar([root], [{ cid: root, bytes: rootBytes }]));
    expect(car.structure).toBe('partial');
    expect(car.dagSize).toBeUndefined();
  });

  it('one chunk of a larger DAG (root + some leaves) as partial', async () => {
    const { root, blocks } = await fileDag(1_000_000);
    const car = await valid(await craftCar([root], blocks.slice(0, 2)));
    expect(car.structure).toBe('partial');
    expect(car.missing).toHaveLength(blocks.length - 2);
  });

  it('a dag-cbor root: size is the sum of distinct reachable blocks once complete', async () => {
    const leaf = await rawBlock(utf8('leaf'));
    const root = await cborBlock({ a: leaf.cid, b: [leaf.cid], note: 'x' });
    const complete = await valid(await craftCar([root.cid], [root, leaf, leaf]));
    expect(complete.structure).toBe('complete');
    expect(complete.dagSize).toBe(root.bytes.byteLength + leaf.bytes.byteLength);

    const partial = await valid(await craftCar([root.cid], [root]));
    expect(partial.structure).toBe('partial');
    expect(partial.dagSize).toBeUndefined();
    expect(partial.missing.map(String)).toEqual([leaf.cid.toString()]);
  });

  it('a CIDv0 root, reported exactly as the header has it', async () => {
    const dir = await packDirectory([{ name: 'a.txt', content: utf8('a') }]);
    if (!dir.ok) throw new Error(dir.error.message);
    const v0 = CID.createV0(dir.value.root.multihash as Digest.Digest<0x12, number>);
    const car = await valid(await craftCar([v0], dir.value.blocks));
    expect(car.root.toString()).toBe(v0.toString());
    expect(car.root.toString()).toMatch(/^Qm/);
    expect(car.structure).toBe('complete');
  });

  it('blocks hashed with sha2-512 (any multihash the validator supports)', async () => {
    const bytes = utf8('sha512 block');
    const cid = CID.create(1, raw.code, await sha512.digest(bytes));
    const car = await valid(await craftCar([cid], [{ cid, bytes }]));
    expect(car.structure).toBe('complete');
  });

  it('a block of exactly the 2 MiB limit', async () => {
    const block = await rawBlock(seededBytes(2_097_152, 4));
    expect((await valid(await craftCar([block.cid], [block]))).dagSize).toBe(2_097_152);
  });
});

describe('verifyCarBlocks', () => {
  it('verifies blocks and finds them by multihash, without a CAR CID or walk', async () => {
    const { root, blocks } = await fileDag(600_000);
    const result = await verifyCarBlocks(await craftCar([root], blocks));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.root.toString()).toBe(root.toString());
    expect(result.value.blocks.size).toBe(blocks.length);
    const v0 = CID.createV0(root.multihash as Digest.Digest<0x12, number>);
    const found = (result.value.blocks.bytesOf(v0) as Uint8Array | undefined) ?? new Uint8Array();
    expect(sameBytes(found, blocks[0]?.bytes ?? new Uint8Array())).toBe('same');
    expect(result.value.blocks.bytesOf((await rawBlock(utf8('absent'))).cid)).toBeUndefined();
  });

  it('applies the same rules as validateCar', async () => {
    const { root, blocks } = await fileDag(600_000);
    const [first, second, ...rest] = blocks as [Block, Block, ...Block[]];
    const tampered = { cid: second.cid, bytes: new Uint8Array(second.bytes.byteLength) };
    const bytes = await craftCar([root], [first, tampered, ...rest]);
    const result = await verifyCarBlocks(bytes);
    expect(result).toMatchObject({ ok: false, error: { reason: 'hash-mismatch' } });
    expect(result).toEqual(await validateCar(bytes));
  });
});

describe('validateCar rejects', () => {
  it('a root of a codec whose links cannot be read, naming the codec', async () => {
    const bytes = utf8('{"hello":"json"}');
    const cid = CID.create(1, 0x0200, await sha256.digest(bytes)); // json codec
    const error = await invalid(await craftCar([cid], [{ cid, bytes }]));
    expect(error).toMatchObject({ reason: 'undecodable-block', cid });
    expect(error.message).toMatch(/codec 0x200, which is not one of raw, dag-pb, dag-cbor/);
  });

  it.each([
    [
      'a dag-pb CIDv1 root',
      (digest: Digest.Digest<0x12, number>) => CID.createV1(dagPb.code, digest),
    ],
    ['a CIDv0 root', (digest: Digest.Digest<0x12, number>) => CID.createV0(digest)],
    [
      'a dag-cbor root',
      (digest: Digest.Digest<0x12, number>) => CID.createV1(dagCbor.code, digest),
    ],
  ])('%s whose bytes do not decode (it would never become pinned)', async (_label, make) => {
    const bytes = Uint8Array.from([0xff, 0xff, 0xff]);
    const cid = make((await sha256.digest(bytes)) as Digest.Digest<0x12, number>);
    const error = await invalid(await craftCar([cid], [{ cid, bytes }]));
    expect(error).toMatchObject({ reason: 'undecodable-block' });
    expect(error.message).toMatch(/is not valid dag-(pb|cbor)$/);
  });

  it('an undecodable block below a valid root', async () => {
    const bytes = Uint8Array.from([0xff, 0xff, 0xff]);
    const child = CID.createV1(dagPb.code, await sha256.digest(bytes));
    const rootBytes = dagCbor.encode({ child });
    const root = CID.createV1(dagCbor.code, await sha256.digest(rootBytes));
    const error = await invalid(
      await craftCar(
        [root],
        [
          { cid: root, bytes: rootBytes },
          { cid: child, bytes },
        ],
      ),
    );
    expect(error).toMatchObject({ reason: 'undecodable-block', cid: child });
  });

  it('a root CID longer than 512 characters (an identity CID carrying its data)', async () => {
    const data = seededBytes(400, 1);
    const cid = CID.createV1(raw.code, identity.digest(data));
    const error = await invalid(await craftCar([cid], [{ cid, bytes: data }]));
    expect(error).toMatchObject({ reason: 'root-cid-too-long' });
    expect(error.message.length).toBeLessThan(100);
  });

  it.each([
    ['no bytes', new Uint8Array()],
    ['a JSON document', utf8('{"roots":[]}')],
    ['random bytes', seededBytes(4096, 99)],
    ['a header length running past the end', Uint8Array.from([0xff, 0xff, 0x03, 0xa2])],
  ])('%s as unparseable', async (_label, bytes) => {
    const error = await invalid(bytes);
    expect(error).toMatchObject({ name: 'InvalidCar', reason: 'unparseable' });
    expect(error.message).toMatch(/^unparseable CAR: /);
  });

  it('a CAR truncated inside a block as unparseable', async () => {
    const { root, blocks } = await fileDag(300_000);
    const bytes = await encodeCar(root, blocks);
    const error = await invalid(bytes.subarray(0, bytes.byteLength - 10));
    expect(error.reason).toBe('unparseable');
  });

  it('a CAR without roots: "missing roots"', async () => {
    const block = await rawBlock(utf8('x'));
    const error = await invalid(await craftCar([], [block]));
    expect(error).toMatchObject({ reason: 'missing-roots', message: 'missing roots' });
  });

  it('a CAR with two roots: "too many roots"', async () => {
    const a = await rawBlock(utf8('a'));
    const b = await rawBlock(utf8('b'));
    const error = await invalid(await craftCar([a.cid, b.cid], [a, b]));
    expect(error.reason).toBe('too-many-roots');
    expect(error.message).toMatch(/^too many roots/);
  });

  it('a CAR with a root and no blocks: "empty CAR"', async () => {
    const a = await rawBlock(utf8('a'));
    const error = await invalid(await craftCar([a.cid], []));
    expect(error).toMatchObject({ reason: 'empty', message: 'empty CAR' });
  });

  it('a CAR whose root block is absent: "missing root block", naming the root', async () => {
    const { root, blocks } = await fileDag(600_000);
    const error = await invalid(await craftCar([root], blocks.slice(1)));
    expect(error).toMatchObject({ reason: 'missing-root-block', message: 'missing root block' });
    expect(error.cid?.toString()).toBe(root.toString());
  });

  it('a block over 2 MiB: "block too big: N > 2097152"', async () => {
    const block = await rawBlock(seededBytes(2_097_153, 5));
    const error = await invalid(await craftCar([block.cid], [block]));
    expect(error).toMatchObject({
      reason: 'block-too-big',
      message: 'block too big: 2097153 > 2097152',
    });
    expect(error.cid?.toString()).toBe(block.cid.toString());
  });

  it('a block over a custom limit', async () => {
    const block = await rawBlock(seededBytes(1025, 5));
    const error = await invalid(await craftCar([block.cid], [block]), { maxBlockBytes: 1024 });
    expect(error.message).toBe('block too big: 1025 > 1024');
  });

  it('a block whose bytes do not match its CID: "failed hash verification"', async () => {
    const { root, blocks } = await fileDag(600_000);
    const [first, second, ...rest] = blocks as [Block, Block, ...Block[]];
    const tampered = { cid: second.cid, bytes: seededBytes(second.bytes.byteLength, 77) };
    const error = await invalid(await craftCar([root], [first, tampered, ...rest]));
    expect(error).toEqual({
      name: 'InvalidCar',
      reason: 'hash-mismatch',
      message: `failed hash verification: ${second.cid}: CID hash does not match bytes`,
      cid: second.cid,
    });
  });

  it('a truncated digest as a hash mismatch', async () => {
    const bytes = utf8('short digest');
    const full = await sha256.digest(bytes);
    const cid = CID.create(1, raw.code, Digest.create(sha256.code, full.digest.subarray(0, 20)));
    expect((await invalid(await craftCar([cid], [{ cid, bytes }]))).reason).toBe('hash-mismatch');
  });

  it.each([
    ['an identity', identity.code],
    ['a blake3', 0x1e],
    ['a made-up', 0x3abc],
  ])('%s multihash: "unsupported multihash 0x<code> in <cid>"', async (_label, code) => {
    const bytes = utf8('some bytes');
    const cid = CID.create(1, raw.code, Digest.create(code, new Uint8Array(32).fill(7)));
    const error = await invalid(await craftCar([cid], [{ cid, bytes }]));
    expect(error).toMatchObject({
      reason: 'unsupported-multihash',
      message: `unsupported multihash 0x${code.toString(16)} in ${cid}`,
    });
    expect(error.cid?.toString()).toBe(cid.toString());
  });
});

describe('validateCar on hostile input', () => {
  const isWellFormed = (result: Awaited<ReturnType<typeof validateCar>>) =>
    result.ok
      ? result.value.blocks.size > 0 && typeof result.value.carBytes === 'number'
      : result.error.name === 'InvalidCar' && result.error.message.length > 0;

  it('never throws on random bytes', async () => {
    const random = seededRandom(2024);
    for (let i = 0; i < 300; i++) {
      const bytes = seededBytes(Math.floor(random() * 600), i + 1);
      expect(isWellFormed(await validateCar(bytes))).toBe(true);
    }
  });

  it('never throws on any truncation of a valid CAR', async () => {
    const dir = await packDirectory([
      { name: 'a.txt', content: utf8('alpha') },
      { name: 'b/c.txt', content: utf8('gamma') },
    ]);
    if (!dir.ok) throw new Error(dir.error.message);
    const bytes = await encodeCar(dir.value.root, dir.value.blocks);
    for (let end = 0; end < bytes.byteLength; end++) {
      const result = await validateCar(bytes.subarray(0, end));
      expect(isWellFormed(result)).toBe(true);
      // A cut at a block boundary is a shorter CAR, which can be valid but never complete.
      if (result.ok) expect(result.value.structure).not.toBe('complete');
    }
  });

  it('never throws on random byte corruption, and never accepts a corrupted block', async () => {
    const { root, blocks } = await fileDag(5000, 3);
    const dir = await packDirectory([{ name: 'x', content: utf8('x') }]);
    if (!dir.ok) throw new Error(dir.error.message);
    const original = await encodeCar(root, [...blocks, ...dir.value.blocks]);
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * bytes.byteLength);
        bytes[at] = (bytes[at] ?? 0) ^ (1 + Math.floor(random() * 255));
      }
      const result = await validateCar(bytes);
      expect(isWellFormed(result)).toBe(true);
      if (!result.ok) continue;
      for (const [cid] of await entriesOf(result.value)) {
        if (cid.multihash.code !== sha256.code) continue;
        const bytes = result.value.blocks.bytesOf(cid) as Uint8Array;
        const digest = createHash('sha256').update(bytes).digest();
        expect(Buffer.compare(digest, cid.multihash.digest)).toBe(0);
      }
    }
  });
});
