/**
 * A CAR reader for tests that trusts nothing it reads: it hashes every block itself (with
 * multiformats' own hashers, not the validator the ingest path uses) and fails on the first
 * block whose bytes do not match its CID, or whose hash it cannot check. Then reads files and
 * directories back from nothing but the CAR's blocks, so a CAR that lacks a block fails too.
 */
import { CarBlockIterator } from '@ipld/car/iterator';
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import type { MultihashHasher } from 'multiformats/hashes/interface';
import { sha256, sha512 } from 'multiformats/hashes/sha2';
import type { Block } from '../../lambdas/core/ipfs/block.ts';

const HASHERS = new Map<number, MultihashHasher>([
  [sha256.code, sha256],
  [sha512.code, sha512],
]);

export interface VerifiedCar {
  version: number;
  roots: CID[];
  /** Every block, in CAR order, duplicates kept. */
  blocks: Block[];
}

/** Reads a whole CAR, hashing each block; throws on a mismatch or an unknown hash. */
export async function readVerifiedCar(bytes: Uint8Array): Promise<VerifiedCar> {
  const iterator = await CarBlockIterator.fromBytes(bytes);
  const blocks: Block[] = [];
  for await (const block of iterator) {
    const { code, digest } = block.cid.multihash;
    if (code === identity.code) throw new Error(`identity block ${block.cid} inside a CAR`);
    const hasher = HASHERS.get(code);
    if (!hasher) throw new Error(`cannot verify multihash 0x${code.toString(16)} of ${block.cid}`);
    const actual = (await hasher.digest(block.bytes)).digest;
    if (Buffer.compare(actual, digest) !== 0) throw new Error(`block ${block.cid}: hash mismatch`);
    blocks.push({ cid: block.cid, bytes: block.bytes });
  }
  return { version: iterator.version, roots: await iterator.getRoots(), blocks };
}

/** A blockstore of only these blocks: a read of anything else throws. */
export function blocksOnly(blocks: readonly Block[]) {
  const byHash = new Map(
    blocks.map((b) => [Buffer.from(b.cid.multihash.bytes).toString('hex'), b]),
  );
  return {
    async *get(cid: CID): AsyncGenerator<Uint8Array> {
      if (cid.multihash.code === identity.code) {
        yield cid.multihash.digest;
        return;
      }
      const block = byHash.get(Buffer.from(cid.multihash.bytes).toString('hex'));
      if (!block) throw new Error(`the CAR lacks block ${cid}`);
      yield block.bytes;
    },
  };
}

type FileEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>;

async function collect(entry: FileEntry, options?: { offset?: number; length?: number }) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of entry.content(options)) {
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A file's bytes (or a range of them), read from the CAR's blocks alone. */
export async function fileFromCar(
  car: VerifiedCar,
  path: string,
  range?: { offset: number; length: number },
): Promise<Uint8Array> {
  const entry = await exporter(path, blocksOnly(car.blocks));
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
    throw new Error(`${path} is a ${entry.type}, not a file`);
  }
  return collect(entry, range);
}

/**
 * Every file below `path`, read from the CAR's blocks alone, by path relative to it (a file at
 * `path` itself is `''`): proves the CAR holds the whole DAG.
 */
export async function treeFromCar(
  car: VerifiedCar,
  path: string,
): Promise<Map<string, Uint8Array>> {
  const store = blocksOnly(car.blocks);
  const files = new Map<string, Uint8Array>();
  const visit = async (at: string, relative: string): Promise<void> => {
    const entry = await exporter(at, store);
    if (entry.type === 'directory') {
      for await (const child of entry.entries()) {
        await visit(`${at}/${child.name}`, relative ? `${relative}/${child.name}` : child.name);
      }
    } else if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
      files.set(relative, await collect(entry));
    } else {
      throw new Error(`${at} is a ${entry.type} node, not UnixFS: read its paths one by one`);
    }
  };
  await visit(path, '');
  return files;
}
