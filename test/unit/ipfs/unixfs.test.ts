import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { describe, expect, it } from 'vitest';
import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';
import {
  blockstoreOf,
  exportFile,
  referenceDirectoryRoot,
  referenceFileRoot,
  sameBytes,
  seededBytes,
  utf8,
} from '../../support/ipfs-fixtures.ts';

const CHUNK = 262_144;

async function packed(content: Uint8Array) {
  const result = await packFile(content);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function packedDirectory(files: { name: string; content: Uint8Array }[]) {
  const result = await packDirectory(files);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('packFile', () => {
  it.each([
    ['hello world!', 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve'],
    ['hello world', 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'],
  ])('packs %j to the known nft.storage / kubo CID', async (text, cid) => {
    const { root, blocks } = await packed(utf8(text));
    expect(root.toString()).toBe(cid);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.bytes).toEqual(utf8(text));
  });

  it('rejects empty content', async () => {
    const result = await packFile(new Uint8Array());
    expect(result).toMatchObject({ ok: false, error: { name: 'EmptyContent' } });
  });

  it('keeps a file of exactly one chunk as a single raw block', async () => {
    const { root, blocks } = await packed(seededBytes(CHUNK, 3));
    expect(root.code).toBe(0x55);
    expect(blocks).toHaveLength(1);
  });

  it('splits a 1.3 MB file into 262,144-byte raw leaves under one dag-pb node, like @ipld/unixfs', async () => {
    const content = seededBytes(1_300_000, 7);
    const { root, blocks } = await packed(content);

    expect(root.toString()).toBe(await referenceFileRoot(content));
    expect(root.version).toBe(1);
    expect(root.code).toBe(dagPb.code);
    expect(root.multihash.code).toBe(0x12);

    const [rootBlock, ...leaves] = blocks;
    expect(rootBlock?.cid.equals(root)).toBe(true); // root first, then leaves in order
    const node = dagPb.decode(rootBlock?.bytes ?? new Uint8Array());
    expect(node.Links.map((link) => link.Hash.toString())).toEqual(
      leaves.map((leaf) => leaf.cid.toString()),
    );
    expect(leaves.map((leaf) => leaf.bytes.byteLength)).toEqual([
      CHUNK,
      CHUNK,
      CHUNK,
      CHUNK,
      1_300_000 - 4 * CHUNK,
    ]);
    expect(leaves.every((leaf) => leaf.cid.code === 0x55)).toBe(true);
    const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array());
    expect(unixfs.type).toBe('file');
    expect(unixfs.fileSize()).toBe(1_300_000n);

    expect(sameBytes(await exportFile(root.toString(), blocks), content)).toBe('same');
  });

  it('stores repeated chunks once', async () => {
    const content = new Uint8Array(3 * CHUNK); // three identical zero chunks
    const { root, blocks } = await packed(content);
    expect(blocks).toHaveLength(2);
    expect(root.toString()).toBe(await referenceFileRoot(content));
    expect(sameBytes(await exportFile(root.toString(), blocks), content)).toBe('same');
  });

  it('adds a second tree level past 174 leaves, exactly as @ipld/unixfs does', async () => {
    const content = seededBytes(174 * CHUNK + 1, 11);
    const { root, blocks } = await packed(content);
    expect(root.toString()).toBe(await referenceFileRoot(content));

    const top = dagPb.decode(blocks[0]?.bytes ?? new Uint8Array());
    expect(top.Links).toHaveLength(2);
    const firstChild = blocks.find((block) => block.cid.equals(top.Links[0]?.Hash));
    expect(dagPb.decode(firstChild?.bytes ?? new Uint8Array()).Links).toHaveLength(174);
    expect(sameBytes(await exportFile(root.toString(), blocks), content)).toBe('same');
  }, 30_000);
});

describe('packDirectory', () => {
  it('matches the nft.storage multipart vector (two 14-byte files, size 130)', async () => {
    const { root, blocks } = await packedDirectory([
      { name: 'name1', content: utf8('hello world! 1') },
      { name: 'name2', content: utf8('hello world! 2') },
    ]);
    expect(root.toString()).toBe('bafybeifrkxqq5bbn4fkykfyggoltlb7vn3moyhr3pldzx3me6yiukcfsem');
    const node = dagPb.decode(blocks[0]?.bytes ?? new Uint8Array());
    const tsizes = node.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0);
    expect((blocks[0]?.bytes.byteLength ?? 0) + tsizes).toBe(130);
  });

  it('builds nested sub-directories from names with "/", like @ipld/unixfs', async () => {
    const files = [
      { name: 'readme.txt', content: utf8('top level') },
      { name: 'images/b.png', content: seededBytes(700_000, 5) },
      { name: 'images/a.png', content: utf8('tiny') },
      { name: 'images/thumbs/a.png', content: seededBytes(40_000, 6) },
      { name: 'data/empty.bin', content: new Uint8Array() },
    ];
    const { root, blocks } = await packedDirectory(files);
    expect(root.toString()).toBe(await referenceDirectoryRoot(files));

    for (const { name, content } of files) {
      expect(sameBytes(await exportFile(`${root}/${name}`, blocks), content)).toBe('same');
    }
    const top = dagPb.decode(blocks[0]?.bytes ?? new Uint8Array());
    expect(top.Links.map((link) => link.Name)).toEqual(['data', 'images', 'readme.txt']);
    expect(UnixFS.unmarshal(top.Data ?? new Uint8Array()).type).toBe('directory');
  });

  it('wraps a single file, so the root is a directory that names it', async () => {
    const { root, blocks } = await packedDirectory([{ name: 'hello.txt', content: utf8('hi') }]);
    expect(root.code).toBe(dagPb.code);
    expect(await exportFile(`${root}/hello.txt`, blocks)).toEqual(utf8('hi'));
    const store = await blockstoreOf(blocks);
    expect(await store.has(root)).toBe(true);
  });

  it('returns every block once, reachable from the root', async () => {
    const same = seededBytes(1000, 9);
    const { blocks } = await packedDirectory([
      { name: 'a', content: same },
      { name: 'b', content: same },
    ]);
    const keys = blocks.map((block) => block.cid.toString());
    expect(new Set(keys).size).toBe(keys.length);
    expect(blocks).toHaveLength(2); // the directory and one shared leaf
  });

  const x = utf8('x');
  it.each([
    ['an empty list', [], 'EmptyContent', /no files/],
    ['an empty name', [{ name: '', content: x }], 'InvalidPath', /empty/],
    ['a leading ".."', [{ name: '../etc/passwd', content: x }], 'InvalidPath', /"\.\." segments/],
    ['an inner ".."', [{ name: 'a/../b', content: x }], 'InvalidPath', /"\.\." segments/],
    ['a "." segment', [{ name: './a', content: x }], 'InvalidPath', /"\." segments/],
    ['an absolute path', [{ name: '/abs', content: x }], 'InvalidPath', /empty path segment/],
    ['a double slash', [{ name: 'a//b', content: x }], 'InvalidPath', /empty path segment/],
    ['a trailing slash', [{ name: 'dir/', content: x }], 'InvalidPath', /empty path segment/],
    [
      'a duplicate path',
      [
        { name: 'same.txt', content: x },
        { name: 'same.txt', content: x },
      ],
      'InvalidPath',
      /duplicate path "same.txt"/,
    ],
    [
      'a path that is both file and directory',
      [
        { name: 'a', content: x },
        { name: 'a/b', content: x },
      ],
      'InvalidPath',
      /"a" is used both as a file and as a directory/,
    ],
  ])('rejects %s', async (_label, files, name, message) => {
    const result = await packDirectory(files);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe(name);
    expect(result.error.message).toMatch(message);
  });
});
