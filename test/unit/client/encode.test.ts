/**
 * pinstack/client computes the CIDs the nft.storage client 7.x computes for the same input, and
 * the ones the server computes when the same content is uploaded to it; the CARs it writes are
 * what the server's verifier accepts, and a DAG over the target splits into connected CARs that
 * share the root and whose union is the DAG.
 */

import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NFTStorage as Original } from 'nft.storage';
import { describe, expect, it } from 'vitest';
import { layoutCars, renderRange } from '../../../client/car.ts';
import { NFTStorage } from '../../../client/index.ts';
import { validateCar } from '../../../lambdas/core/ipfs/car.ts';
import { walkNodes } from '../../../lambdas/core/ipfs/dag.ts';
import { decodeLinkIndex, encodeLinkIndex } from '../../../lambdas/core/ipfs/link-index.ts';
import { buildNftStore } from '../../../lambdas/core/ipfs/nft-store.ts';
import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import { seededBytes, utf8 } from '../../support/ipfs-fixtures.ts';

const MiB = 1024 * 1024;
const blobs = {
  'a short text': () => new Blob(['hello world!']),
  'one chunk exactly': () => new Blob([seededBytes(262_144, 1)]),
  'a 3 MiB file (two tree levels)': () => new Blob([seededBytes(3 * MiB, 2)]),
  'a file of repeated chunks': () => new Blob([new Uint8Array(2 * MiB + 17)]),
};

const files = () => [
  new File(['alpha'], 'a.txt'),
  new File([seededBytes(700_000, 3)], 'media/video.bin'),
  new File(['café'], 'media/café.txt'),
  new File([new Uint8Array(0)], 'empty.txt'),
];

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());

describe('pinstack/client encodes as nft.storage 7.x and as the server does', () => {
  it.each(Object.entries(blobs))('encodeBlob: %s', async (_label, make) => {
    const ours = await NFTStorage.encodeBlob(make());
    const theirs = await Original.encodeBlob(make());
    expect(ours.cid.toString()).toBe(theirs.cid.toString());
    const server = await packFile(await bytesOf(make()));
    expect(server.ok && server.value.root.toString()).toBe(ours.cid.toString());
  });

  it('encodeDirectory: nested paths, UTF-8 names, an empty file', async () => {
    const ours = await NFTStorage.encodeDirectory(files());
    const theirs = await Original.encodeDirectory(files());
    expect(ours.cid.toString()).toBe(theirs.cid.toString());
    const server = await packDirectory(
      await Promise.all(files().map(async (f) => ({ name: f.name, content: await bytesOf(f) }))),
    );
    expect(server.ok && server.value.root.toString()).toBe(ours.cid.toString());
  });

  it('encodeNFT (store): files in the metadata, arrays, Blobs without names', async () => {
    const input = () => ({
      name: 'pinpie',
      description: 'a pie',
      image: new File(['<png>'], 'pie.png', { type: 'image/png' }),
      properties: {
        video: new File([seededBytes(400_000, 4)], 'pie.mp4', { type: 'video/mp4' }),
        extra: [new Blob(['raw blob']), 'text', 7],
      },
    });
    const ours = await NFTStorage.encodeNFT(input());
    const theirs = await Original.encodeNFT(input());
    expect(ours.cid.toString()).toBe(theirs.cid.toString());
    expect(ours.token.url).toBe(theirs.token.url);
    expect(JSON.stringify(ours.token.data)).toBe(JSON.stringify(theirs.token.data));
    expect(JSON.stringify(ours.token.embed())).toBe(JSON.stringify(theirs.token.embed()));
    const server = await buildNftStore(
      { name: 'pinpie', description: 'a pie', properties: { extra: [null, 'text', 7] } },
      [
        { field: 'image', name: 'pie.png', type: 'image/png', content: utf8('<png>') },
        {
          field: 'properties.video',
          name: 'pie.mp4',
          type: 'video/mp4',
          content: seededBytes(400_000, 4),
        },
        { field: 'properties.extra.0', name: '', type: '', content: utf8('raw blob') },
      ],
    );
    expect(server.ok && server.value.root.toString()).toBe(ours.cid.toString());
  });

  it('refuses what nft.storage refuses, with its messages', async () => {
    await expect(NFTStorage.encodeBlob(new Blob([]))).rejects.toThrow(/Content size is 0/);
    await expect(NFTStorage.encodeDirectory([new File([], 'e')])).rejects.toThrow(
      /Total size of files should exceed 0/,
    );
    await expect(
      NFTStorage.encodeNFT({ name: 'x', description: 'y', image: 'no' as unknown as Blob }),
    ).rejects.toThrow(/`image` must be a Blob or File/);
  });
});

describe('the CARs pinstack/client writes', () => {
  it('are complete CARs the server accepts, the same bytes rendered in any ranges', async () => {
    const { car } = await NFTStorage.encodeBlob(new Blob([seededBytes(3 * MiB + 5, 5)]));
    const [layout] = await layoutCars(car.dag, 32 * 1024 ** 3);
    if (!layout) throw new Error('no CAR');
    const whole = await renderRange(layout, car.dag, 0, layout.size);
    const validated = await validateCar(whole);
    // The whole DAG's size: every distinct block once.
    let dagSize = 0;
    for (const cid of car.dag.cids()) dagSize += car.dag.lengthOf(cid) ?? 0;
    expect(validated.ok && validated.value).toMatchObject({ structure: 'complete', dagSize });
    expect(validated.ok && validated.value.root.toString()).toBe(car.dag.root.toString());
    // Parts cut anywhere join into the same bytes.
    const cuts = [0, 1, 60, 262_200, 1_000_003, 2 * MiB, layout.size];
    const pieces = [];
    for (let i = 1; i < cuts.length; i++) {
      pieces.push(await renderRange(layout, car.dag, cuts[i - 1] as number, cuts[i] as number));
    }
    expect(Buffer.concat(pieces).equals(whole)).toBe(true);
  });

  it('split a DAG over the target into connected CARs sharing its root, complete together', async () => {
    const { car } = await NFTStorage.encodeDirectory([
      new File([seededBytes(2 * MiB, 6)], 'one.bin'),
      new File([seededBytes(MiB + 3, 7)], 'two/three.bin'),
    ]);
    const layouts = await layoutCars(car.dag, MiB);
    expect(layouts.length).toBeGreaterThan(3);
    const nodes = new Map();
    for (const layout of layouts) {
      expect(layout.size).toBeLessThanOrEqual(MiB + 300_000);
      const bytes = await renderRange(layout, car.dag, 0, layout.size);
      const validated = await validateCar(bytes);
      if (!validated.ok) throw new Error(validated.error.message);
      expect(validated.value.root.toString()).toBe(car.dag.root.toString());
      // Connected: every block but the root is linked from a block of the same CAR.
      const index = decodeLinkIndex(
        await encodeLinkIndex(validated.value.blocks.entries(), validated.value.blocks.size),
      );
      const linked = new Set(index.flatMap(([, node]) => (node.links ?? []).map(String)));
      for (const [cid] of index) {
        if (!cid.equals(car.dag.root)) expect(linked.has(cid.toString())).toBe(true);
      }
      for (const [cid, node] of index) nodes.set(cid.toString(), node);
    }
    const union = await walkNodes(car.dag.root, (cid) => nodes.get(cid.toString()));
    expect(union.structure).toBe('complete');
  });

  it('fail instead of sending a file changed after it was encoded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-client-'));
    try {
      const path = join(dir, 'changing.bin');
      await writeFile(path, seededBytes(600_000, 8));
      const { car } = await NFTStorage.encodeBlob(await openAsBlob(path));
      await writeFile(path, seededBytes(600_000, 9));
      const [layout] = await layoutCars(car.dag, 32 * 1024 ** 3);
      if (!layout) throw new Error('no CAR');
      await expect(renderRange(layout, car.dag, 0, layout.size)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('read back what the CarReader view says, as nft.storage callers use it', async () => {
    const { cid, car } = await NFTStorage.encodeBlob(new Blob([seededBytes(600_000, 10)]));
    expect((await car.getRoots()).map(String)).toEqual([cid.toString()]);
    const blocks = [];
    for await (const block of car.blocks()) blocks.push(block);
    expect(blocks.length).toBe(4);
    expect(await car.has(cid)).toBe(true);
    expect((await car.get(cid))?.bytes.byteLength).toBeGreaterThan(0);
  });
});
