/** Content the gateway unit tests store: the shapes pinstack's uploads produce. */
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { buildNftStore } from '../../../lambdas/core/ipfs/nft-store.ts';
import { type DirectoryEntry, packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import { seededBytes, utf8 } from '../../support/ipfs-fixtures.ts';

export const CHUNK = 262_144;

export async function file(content: Uint8Array) {
  const packed = await packFile(content);
  if (!packed.ok) throw new Error(packed.error.message);
  return { ...packed.value, content };
}

export async function directory(files: DirectoryEntry[]) {
  const packed = await packDirectory(files);
  if (!packed.ok) throw new Error(packed.error.message);
  return { ...packed.value, files: new Map(files.map((f) => [f.name, f.content])) };
}

/** A file of several 256 KiB chunks and a short last one. */
export const multiChunkFile = () => file(seededBytes(3 * CHUNK + 1000, 11));

/** Nested paths, a multi-chunk file among them, names that need percent-encoding. */
export const nestedDirectory = () =>
  directory([
    { name: 'readme.txt', content: utf8('read me\n') },
    { name: 'images/cat.png', content: pngBytes() },
    { name: 'images/deep/er/big.bin', content: seededBytes(2 * CHUNK + 7, 5) },
    { name: 'data/metadata.json', content: utf8('{"name":"nft #1"}') },
    { name: 'with space/ünï cödé.txt', content: utf8('unicode path\n') },
  ]);

/** A website: index.html at the top. */
export const site = () =>
  directory([
    { name: 'index.html', content: utf8('<!doctype html><title>hi</title><p>hello</p>') },
    { name: 'style.css', content: utf8('p { color: red }') },
  ]);

/** Enough long names that the importer shards the directory (a HAMT). */
export const shardedDirectory = () =>
  directory(
    Array.from({ length: 4000 }, (_, i) => ({
      name: `file-with-a-long-enough-name-${String(i).padStart(5, '0')}.txt`,
      content: utf8(`file ${i}\n`),
    })),
  );

/** An ERC-1155 `/store` DAG: a dag-cbor root linking to the wrapped files and metadata.json. */
export async function nftStore() {
  const image = pngBytes();
  const result = await buildNftStore(
    { name: 'nft #7', description: 'a test NFT', image: null, properties: { video: null } },
    [
      { field: 'image', name: 'cat.png', type: 'image/png', content: image },
      {
        field: 'properties.video',
        name: 'clip.mp4',
        type: 'video/mp4',
        content: seededBytes(CHUNK + 10, 9),
      },
    ],
  );
  if (!result.ok) throw new Error(result.error.message);
  return { ...result.value, image };
}

/** A tiny but real PNG (1x1): file-type recognises it by its signature. */
export function pngBytes(): Uint8Array {
  return Uint8Array.from(
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    ),
  );
}

/** An identity CID holding `bytes` (raw codec). */
export const identityCid = (bytes: Uint8Array) => CID.createV1(raw.code, identity.digest(bytes));

/**
 * A directory whose entries are an identity-CID file and a normal one: identity blocks are
 * virtual and must never be written into a CAR.
 */
export async function directoryWithIdentityChild() {
  const inline = identityCid(utf8('inline!'));
  const stored = utf8('stored block');
  const storedCid = CID.createV1(raw.code, await sha256.digest(stored));
  const dir = dagPb.encode(
    dagPb.prepare({
      Data: new UnixFS({ type: 'directory' }).marshal(),
      Links: [
        { Name: 'inline.txt', Hash: inline, Tsize: 7 },
        { Name: 'stored.txt', Hash: storedCid, Tsize: stored.byteLength },
      ],
    }),
  );
  const root = CID.createV1(dagPb.code, await sha256.digest(dir));
  const blocks: Block[] = [
    { cid: root, bytes: dir },
    { cid: storedCid, bytes: stored },
  ];
  return { root, blocks, inline, storedCid };
}
