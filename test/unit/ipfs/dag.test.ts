import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import type { Digest } from 'multiformats/hashes/digest';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { type Block, multihashKey } from '../../../lambdas/core/ipfs/block.ts';
import { type GetBlock, walkDag } from '../../../lambdas/core/ipfs/dag.ts';

/** The walk's structure report, without what the root declares about its size. */
const dagStructure = async (root: CID, getBlock: GetBlock) => {
  const { declaredSize: _, ...report } = await walkDag(root, getBlock);
  return report;
};

import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import { seededBytes, utf8 } from '../../support/ipfs-fixtures.ts';

/** A block source over any number of block lists (e.g. the CAR chunks of one upload). */
function source(...lists: Block[][]) {
  const byHash = new Map<string, Uint8Array>();
  for (const list of lists)
    for (const block of list) byHash.set(multihashKey(block.cid), block.bytes);
  const requested: string[] = [];
  const getBlock = (cid: CID) => {
    requested.push(cid.toString());
    return byHash.get(multihashKey(cid));
  };
  return { getBlock, requested };
}

/** Node's sha2-256 is synchronous; building 100k blocks stays fast without awaits. */
function digestOf(bytes: Uint8Array) {
  const digest = sha256.digest(bytes);
  if (digest instanceof Promise) throw new Error('expected a synchronous sha2-256');
  return digest;
}

const blockOf = (code: number, bytes: Uint8Array): Block => ({
  cid: CID.create(1, code, digestOf(bytes)),
  bytes,
});
const cborBlock = (value: unknown) => blockOf(dagCbor.code, dagCbor.encode(value));
const rawBlock = (bytes: Uint8Array) => blockOf(raw.code, bytes);

/**
 * About 1 s per 100k blocks here (mostly the codecs' CID decoding); a quadratic walk would take
 * hours. The budget is loose because test files share two busy cores.
 */
const LINEAR_BUDGET_MS = 10_000;

const total = (blocks: Block[]) => blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0);

describe('dagStructure', () => {
  it('finds a file DAG split over two chunks complete only over their union', async () => {
    const packed = await packFile(seededBytes(1_500_000, 21));
    if (!packed.ok) throw new Error(packed.error.message);
    const { root, blocks } = packed.value;
    const [rootBlock, ...leaves] = blocks as [Block, ...Block[]];
    // Like a treewalk CAR splitter: each chunk carries the root plus some leaves.
    const chunkA = [rootBlock, ...leaves.slice(0, 3)];
    const chunkB = [rootBlock, ...leaves.slice(3)];

    const a = await dagStructure(root, source(chunkA).getBlock);
    expect(a.structure).toBe('partial');
    expect(a.missing.map(String)).toEqual(leaves.slice(3).map((leaf) => leaf.cid.toString()));
    expect(a.size).toBeUndefined();

    const b = await dagStructure(root, source(chunkB).getBlock);
    expect(b.missing.map(String)).toEqual(leaves.slice(0, 3).map((leaf) => leaf.cid.toString()));

    const union = await dagStructure(root, source(chunkA, chunkB).getBlock);
    expect(union).toEqual({ structure: 'complete', missing: [], size: total(blocks) });
  });

  it('walks nested directories and reports partial when a sub-directory is absent', async () => {
    const dir = await packDirectory([
      { name: 'a/b/c.txt', content: utf8('deep') },
      { name: 'a/d.txt', content: utf8('shallow') },
    ]);
    if (!dir.ok) throw new Error(dir.error.message);
    const { root, blocks } = dir.value;
    expect(await dagStructure(root, source(blocks).getBlock)).toMatchObject({
      structure: 'complete',
      size: total(blocks),
    });
    const withoutB = blocks.filter((block) => {
      const node = block.cid.code === dagPb.code ? dagPb.decode(block.bytes) : undefined;
      return !node?.Links.some((link) => link.Name === 'c.txt');
    });
    const report = await dagStructure(root, source(withoutB).getBlock);
    expect(report.structure).toBe('partial');
    expect(report.missing).toHaveLength(1);
  });

  it('follows dag-cbor links and counts a block reached twice once', async () => {
    const leaf = rawBlock(utf8('shared'));
    const mid = cborBlock({ child: leaf.cid });
    const root = cborBlock({ left: mid.cid, right: leaf.cid, list: [leaf.cid, mid.cid] });
    const { getBlock, requested } = source([root, mid, leaf]);
    expect(await dagStructure(root.cid, getBlock)).toEqual({
      structure: 'complete',
      missing: [],
      size: total([root, mid, leaf]),
    });
    expect(requested).toHaveLength(3); // each block fetched once
  });

  it('treats CIDv0 and CIDv1 links to one dag-pb block as the same block', async () => {
    const dir = await packDirectory([{ name: 'f', content: utf8('f') }]);
    if (!dir.ok) throw new Error(dir.error.message);
    const v1 = dir.value.root;
    const v0 = CID.createV0(v1.multihash as Digest<0x12, number>);
    const root = cborBlock({ v0, v1 });
    const { getBlock, requested } = source([root, ...dir.value.blocks]);
    expect((await dagStructure(root.cid, getBlock)).structure).toBe('complete');
    expect(requested.filter((cid) => cid === v0.toString() || cid === v1.toString())).toHaveLength(
      1,
    );
  });

  it('reports unknown for a present block of an unknown codec, and partial if it is missing', async () => {
    const jsonBytes = utf8('{"a":1}');
    const json = CID.create(1, 0x0200, digestOf(jsonBytes));
    const root = cborBlock({ doc: json });
    const present = await dagStructure(
      root.cid,
      source([root, { cid: json, bytes: jsonBytes }]).getBlock,
    );
    expect(present).toEqual({ structure: 'unknown', missing: [], undecodable: json });
    const absent = await dagStructure(root.cid, source([root]).getBlock);
    expect(absent.structure).toBe('partial');
    expect(absent.missing.map(String)).toEqual([json.toString()]);
  });

  it('reports unknown for bytes that do not decode under their codec', async () => {
    const garbage = Uint8Array.from([0xff, 0xff, 0xff]);
    const cid = CID.create(1, dagPb.code, digestOf(garbage));
    expect((await dagStructure(cid, source([{ cid, bytes: garbage }]).getBlock)).structure).toBe(
      'unknown',
    );
  });

  it('reads identity CIDs inline and never lists them missing', async () => {
    const inline = CID.create(1, raw.code, identity.digest(utf8('inline')));
    const root = cborBlock({ inline });
    expect(await dagStructure(root.cid, source([root]).getBlock)).toEqual({
      structure: 'complete',
      missing: [],
      size: root.bytes.byteLength,
    });
  });

  it('reports the root itself missing when no block is available', async () => {
    const leaf = rawBlock(utf8('x'));
    expect(await dagStructure(leaf.cid, () => undefined)).toEqual({
      structure: 'partial',
      missing: [leaf.cid],
    });
  });

  it('walks a 100,000-block chain without recursion limits, in linear time', async () => {
    const blocks: Block[] = [];
    let next: CID | null = null;
    for (let i = 0; i < 100_000; i++) {
      const block = cborBlock({ i, next });
      blocks.push(block);
      next = block.cid;
    }
    const head = blocks[blocks.length - 1] as Block;
    const { getBlock } = source(blocks);
    const started = performance.now();
    const report = await dagStructure(head.cid, getBlock);
    const elapsed = performance.now() - started;
    expect(report).toEqual({ structure: 'complete', missing: [], size: total(blocks) });
    expect(elapsed).toBeLessThan(LINEAR_BUDGET_MS);
  });

  it('walks a 100,000-leaf wide DAG in linear time', async () => {
    const leaves: Block[] = [];
    for (let i = 0; i < 100_000; i++) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, i);
      leaves.push(rawBlock(bytes));
    }
    const parents: Block[] = [];
    for (let i = 0; i < leaves.length; i += 1000) {
      const bytes = dagPb.encode({
        Links: leaves.slice(i, i + 1000).map((leaf) => ({ Hash: leaf.cid, Tsize: 4 })),
      });
      parents.push(blockOf(dagPb.code, bytes));
    }
    const root = cborBlock({ parents: parents.map((parent) => parent.cid) });
    const all = [root, ...parents, ...leaves];
    const started = performance.now();
    const report = await dagStructure(root.cid, source(all).getBlock);
    expect(performance.now() - started).toBeLessThan(LINEAR_BUDGET_MS);
    expect(report).toEqual({ structure: 'complete', missing: [], size: total(all) });

    const withoutLast = source([root, ...parents, ...leaves.slice(0, -1)]);
    const partial = await dagStructure(root.cid, withoutLast.getBlock);
    expect(partial.missing.map(String)).toEqual([leaves.at(-1)?.cid.toString()]);
  });
});
