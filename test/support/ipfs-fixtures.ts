/** Test-only helpers: deterministic bytes, hand-crafted CARs, and independent UnixFS readers. */
import { CarWriter } from '@ipld/car/writer';
import * as UnixFS from '@ipld/unixfs';
import { withMaxChunkSize } from '@ipld/unixfs/file/chunker/fixed';
import { withWidth } from '@ipld/unixfs/file/layout/balanced';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { exporter } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import type { Block } from '../../lambdas/core/ipfs/block.ts';

/** xorshift32: the same seed always gives the same bytes, so CIDs in tests are stable. */
export function seededBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

export const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Byte equality without handing megabytes to the matcher (whose diff of a failing 45 MB
 * comparison exhausts the heap). Reports length and first differing offset instead.
 */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.byteLength !== expected.byteLength) {
    return `length ${actual.byteLength} != ${expected.byteLength}`;
  }
  if (Buffer.compare(actual, expected) === 0) return 'same';
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  return `first difference at byte ${at}`;
}

/**
 * Writes a CAR with @ipld/car's streaming writer, which checks nothing: any roots, any blocks,
 * bytes that do not match their CIDs. That is what makes it useful for crafting bad CARs.
 */
export async function craftCar(roots: CID[], blocks: Block[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots);
  const chunks: Uint8Array[] = [];
  const drained = (async () => {
    for await (const chunk of out) chunks.push(chunk);
  })();
  for (const block of blocks) await writer.put(block);
  await writer.close();
  await drained;
  return Buffer.concat(chunks);
}

export async function blockstoreOf(blocks: Iterable<Block>): Promise<MemoryBlockstore> {
  const store = new MemoryBlockstore();
  for (const { cid, bytes } of blocks) await store.put(cid, bytes);
  return store;
}

/** Reads a file back with ipfs-unixfs-exporter, by CID or `cid/path`. */
export async function exportFile(path: string, blocks: Iterable<Block>): Promise<Uint8Array> {
  const entry = await exporter(path, await blockstoreOf(blocks));
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`${path} is a ${entry.type}`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of entry.content()) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * An independent UnixFS encoder (@ipld/unixfs, written separately from ipfs-unixfs-importer),
 * set to the same parameters: raw leaves, 262,144-byte chunks, 174 links, CIDv1 sha2-256.
 * Returns root CID strings so multiformats 13 and 14 objects never have to meet.
 */
const referenceSettings = UnixFS.configure({
  fileChunkEncoder: raw,
  smallFileEncoder: raw,
  chunker: withMaxChunkSize(262_144),
  fileLayout: withWidth(174),
});

async function withReferenceWriter<T>(
  build: (writer: UnixFS.View) => Promise<T>,
): Promise<{ result: T; blockCount: number }> {
  const { readable, writable } = new TransformStream<UnixFS.Block, UnixFS.Block>(
    {},
    UnixFS.withCapacity(1 << 30),
  );
  const writer = UnixFS.createWriter({ writable, settings: referenceSettings });
  const collected = (async () => {
    let count = 0;
    for await (const _block of readable) count++;
    return count;
  })();
  const result = await build(writer);
  await writer.close();
  return { result, blockCount: await collected };
}

export async function referenceFileRoot(content: Uint8Array): Promise<string> {
  const { result } = await withReferenceWriter(async (writer) => {
    const file = writer.createFileWriter();
    await file.write(content);
    return (await file.close()).cid.toString();
  });
  return result;
}

type DirectoryWriter = ReturnType<UnixFS.View['createDirectoryWriter']>;

export async function referenceDirectoryRoot(
  files: { name: string; content: Uint8Array }[],
): Promise<string> {
  const { result } = await withReferenceWriter(async (writer) => {
    interface Tree {
      files: Map<string, Uint8Array>;
      dirs: Map<string, Tree>;
    }
    const top: Tree = { files: new Map(), dirs: new Map() };
    for (const { name, content } of files) {
      const segments = name.split('/');
      const leaf = segments.pop() as string;
      let node = top;
      for (const segment of segments) {
        let child = node.dirs.get(segment);
        if (!child) {
          child = { files: new Map(), dirs: new Map() };
          node.dirs.set(segment, child);
        }
        node = child;
      }
      node.files.set(leaf, content);
    }
    const write = async (tree: Tree): ReturnType<DirectoryWriter['close']> => {
      const dir = writer.createDirectoryWriter();
      for (const [name, content] of tree.files) {
        const file = writer.createFileWriter();
        await file.write(content);
        dir.set(name, await file.close());
      }
      for (const [name, child] of tree.dirs) dir.set(name, await write(child));
      return dir.close();
    };
    return (await write(top)).cid.toString();
  });
  return result;
}
