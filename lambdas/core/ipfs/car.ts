/**
 * CARv1 encoding, CAR CIDs, and the nft.storage CAR acceptance rules (one root, ≤ 2 MiB blocks,
 * every block hashing to its CID, root block present; partial DAGs accepted), checked by one
 * block-by-block verifier for CARs in memory and CARs streamed from storage alike.
 */
import { createHash, hash, webcrypto } from 'node:crypto';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import {
  asyncIterableReader,
  type BytesReader,
  bytesReader,
  limitReader,
  readBlockHead,
  readHeader,
} from '@ipld/car/decoder';
import * as dagPb from '@ipld/dag-pb';
import {
  HashMismatchError,
  UnsupportedHashError,
  validateBlock,
} from '@web3-storage/car-block-validator';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { MAX_BLOCK_BYTES, MAX_CID_LENGTH } from '../../../contract/limits.ts';
import { failure, type InvalidCar, type InvalidCarReason, quote } from '../failures.ts';
import { err, ok, type Result } from '../result.ts';
import type { Block } from './block.ts';
import { BlockLog, type ReadBack } from './block-log.ts';
import { type DagStructure, declaredDagSize, WALKABLE_CODECS, walkNodes } from './dag.ts';

/** Multicodec of a whole CAR file, as used in CAR CIDs (`bagbaiera…`). */
export const CAR_CODEC = 0x0202;

export interface ValidCar {
  /** The root exactly as written in the CAR header (a CIDv0 stays v0). */
  root: CID;
  /** What was kept of each block: positions, lengths and links, never the bytes. */
  blocks: BlockLog;
  carCid: CID;
  carBytes: number;
  /** Complete: the distinct bytes of the DAG; partial: what a dag-pb root declares (Tsizes). */
  dagSize: number | undefined;
  structure: DagStructure;
  /** The first links found missing (at most MAX_REPORTED_MISSING of them). */
  missing: CID[];
}

export interface ValidateCarOptions {
  maxBlockBytes?: number;
  /** Most blocks one CAR may hold: the verifier keeps a record per block. */
  maxBlocks?: number;
}

/**
 * Where a CAR comes from: its bytes in memory (a request body), or a stream (a staged object)
 * with a way to read a block back by position for the rare walk that decodes a block under
 * another codec than the CAR gave it.
 */
export type CarSource =
  | { bytes: Uint8Array }
  | {
      stream: AsyncIterable<Uint8Array>;
      readBack?: ReadBack;
      /** After an invalid block, read and hash the rest anyway: the caller wants the digest. */
      readToEnd?: boolean;
    };

/** A failure, with what was read of the source when it was read to the end. */
export type CarVerification =
  | { ok: true; value: ValidCar }
  | { ok: false; error: InvalidCar; read?: { bytes: number; sha256: Uint8Array } };

/** Most blocks one CAR may hold; far above what real DAGs of the largest staged CAR need. */
export const MAX_CAR_BLOCKS = 1_000_000;

export async function encodeCar(root: CID, blocks: Iterable<Block>): Promise<Uint8Array> {
  const list = Array.from(blocks);
  let size = CarBufferWriter.headerLength({ roots: [root] });
  for (const block of list) size += CarBufferWriter.blockLength(block);
  // Exact size known up front: one allocation, no chunk concatenation.
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots: [root] });
  for (const block of list) writer.write(block);
  return writer.close();
}

export async function carCid(bytes: Uint8Array): Promise<CID> {
  return CID.create(1, CAR_CODEC, await sha256.digest(bytes));
}

export const carCidOf = (sha256Digest: Uint8Array): CID =>
  CID.create(1, CAR_CODEC, Digest.create(sha256.code, sha256Digest));

/**
 * The block-level half of validateCar: parse, one root, at least one block, size limit, every
 * block hashing to its CID, root block present. No CAR CID and no DAG walk.
 */
export async function verifyCarBlocks(
  bytes: Uint8Array,
  opts: ValidateCarOptions = {},
): Promise<Result<{ root: CID; blocks: BlockLog }, InvalidCar>> {
  return readBlocks(bytesReader(bytes), new BlockLog({ inMemory: bytesBack(bytes) }), opts);
}

/** A CAR in memory (a request body), verified block by block: see verifyCar. */
export async function validateCar(
  bytes: Uint8Array,
  opts: ValidateCarOptions = {},
): Promise<Result<ValidCar, InvalidCar>> {
  const result = await verifyCar({ bytes }, opts);
  return result.ok ? result : err(result.error);
}

/**
 * The one CAR verifier, for request bodies and staged objects alike: reads the CAR block by
 * block with @ipld/car's decoder, checks the header (one root), each block (size limit, bytes
 * hashing to its CID) as it passes and the root block's presence, computes the CAR's own
 * SHA-256 over the same bytes, and walks the DAG over what it kept of each block (BlockLog),
 * so memory is bounded by the block count, never by the CAR's bytes.
 */
export async function verifyCar(
  source: CarSource,
  opts: ValidateCarOptions = {},
): Promise<CarVerification> {
  const digest = carDigest(source);
  const blocks = new BlockLog(
    'bytes' in source ? { inMemory: bytesBack(source.bytes) } : { stored: source.readBack },
  );
  const verified = await readBlocks(digest.reader, blocks, opts, digest.start);
  if (!verified.ok) {
    if ('stream' in source && source.readToEnd) {
      return { ...verified, read: await digest.finish(true) };
    }
    // The rest is never read: let the source go (a connection, a file).
    await digest.release();
    return verified;
  }
  const { root } = verified.value;
  const report = await walkNodes(root, blocks.getNode, blocks.visits());
  // A block whose links cannot be read would leave completeness unknowable (and a CIDv0 root
  // that is not dag-pb would wait forever to be pinned): such a CAR is invalid.
  if (report.undecodable) return err(undecodable(report.undecodable));
  const { bytes: carBytes, sha256: carDigestBytes } = await digest.finish(false);
  return ok({
    root,
    blocks,
    carCid: carCidOf(carDigestBytes),
    carBytes,
    // nft.storage's size rules: a complete DAG's size is measured, the distinct bytes it holds.
    // Only an incomplete one falls back to what its root declares (a raw root's length, a
    // dag-pb root's Tsizes), which the client could inflate; other codecs then have none.
    dagSize: report.structure === 'complete' ? report.size : await declaredSizeOf(root, blocks),
    structure: report.structure,
    missing: report.missing,
  });
}

async function declaredSizeOf(root: CID, blocks: BlockLog): Promise<number | undefined> {
  if (root.code !== raw.code && root.code !== dagPb.code) return undefined;
  const bytes = await blocks.bytesOf(root);
  if (bytes === undefined) return undefined;
  if (root.code === raw.code) return bytes.byteLength;
  try {
    return declaredDagSize(bytes.byteLength, dagPb.decode(bytes));
  } catch {
    return undefined;
  }
}

const bytesBack = (bytes: Uint8Array) => (offset: number, length: number) =>
  bytes.subarray(offset, offset + length);

/** A source's reader and the SHA-256 of every byte it yields, computed as they pass. */
function carDigest(source: CarSource) {
  if ('bytes' in source) {
    const { bytes } = source;
    let pending: Promise<Uint8Array> | undefined;
    return {
      reader: bytesReader(bytes),
      // The CAR CID hashes the same bytes the block checks do. WebCrypto runs it on the libuv
      // pool while this thread verifies blocks, so with a second core the extra pass over the
      // bytes costs little wall time. It starts once the cheap header checks pass.
      start() {
        pending = webcrypto.subtle.digest('SHA-256', bytes).then(
          (digest) => new Uint8Array(digest),
          // WebCrypto refuses some buffers (e.g. shared memory): hash on this thread instead.
          async () => (await sha256.digest(bytes)).digest,
        );
      },
      async finish(_readToEnd: boolean) {
        return {
          bytes: bytes.byteLength,
          sha256: pending ? await pending : (await sha256.digest(bytes)).digest,
        };
      },
      async release() {},
    };
  }
  const hasher = createHash('sha256');
  let read = 0;
  const iterator = source.stream[Symbol.asyncIterator]();
  const tapped: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (cause) {
          // The source failing (a connection reset) says nothing about the CAR: rethrown as is.
          throw new SourceFailure(cause);
        }
        if (!next.done) {
          hasher.update(next.value);
          read += next.value.byteLength;
        }
        return next;
      },
    }),
  };
  return {
    reader: asyncIterableReader(tapped),
    start() {},
    async finish(readToEnd: boolean) {
      // The decoder stops at the last block; whatever follows still counts (and trailing bytes
      // that are no block would have failed the decode).
      if (readToEnd) for await (const _ of tapped);
      return { bytes: read, sha256: new Uint8Array(hasher.digest()) };
    },
    async release() {
      await iterator.return?.();
    },
  };
}

/** Wraps an error of the bytes' source, so it is never taken for a CAR problem. */
class SourceFailure extends Error {
  override name = 'SourceFailure';
  constructor(cause: unknown) {
    super('the CAR source failed', { cause });
  }
}

/**
 * A reader that refuses any single read above `limit` bytes: a header, CID or section length
 * read from the CAR can claim gigabytes, which a streaming reader would try to buffer.
 */
function bounded(reader: BytesReader, limit: number): BytesReader {
  const check = (length: number) => {
    if (length > limit) throw new Error(`a CAR section claims ${length} bytes, over ${limit}`);
  };
  return {
    upTo: (length) => reader.upTo(length),
    exactly(length, seek) {
      check(length);
      return reader.exactly(length, seek);
    },
    seek: (length) => reader.seek(length),
    get pos() {
      return reader.pos;
    },
  };
}

/** `beforeVerify` runs once the cheap header checks pass, just before hashing starts. */
async function readBlocks(
  source: BytesReader,
  blocks: BlockLog,
  opts: ValidateCarOptions,
  beforeVerify?: () => void,
): Promise<Result<{ root: CID; blocks: BlockLog }, InvalidCar>> {
  const maxBlockBytes = opts.maxBlockBytes ?? MAX_BLOCK_BYTES;
  const maxBlocks = opts.maxBlocks ?? MAX_CAR_BLOCKS;
  // A section is a varint, a CID and the block; a CID itself is far smaller than a block.
  const guarded = bounded(source, maxBlockBytes + 1024);
  let reader: BytesReader = guarded;
  let roots: CID[];
  try {
    const header = await readHeader(guarded);
    roots = header.roots;
    // A CARv2 wraps a CARv1 payload: read only that (as @ipld/car's createDecoder does).
    if (header.version === 2) {
      reader = limitReader(guarded, header.dataSize - (guarded.pos - header.dataOffset));
    }
  } catch (cause) {
    return unparseable(cause);
  }

  const [root] = roots;
  if (root === undefined) return invalid('missing-roots', 'missing roots');
  if (roots.length > 1) return invalid('too-many-roots', `too many roots: ${roots.length}`);
  if (root.toString().length > MAX_CID_LENGTH) {
    return invalid('root-cid-too-long', `the root CID is longer than ${MAX_CID_LENGTH} characters`);
  }

  blocks.keep(root);
  beforeVerify?.();
  try {
    while ((await reader.upTo(8)).length > 0) {
      const { cid, blockLength } = await readBlockHead(reader);
      if (blockLength > maxBlockBytes) {
        return invalid('block-too-big', `block too big: ${blockLength} > ${maxBlockBytes}`, cid);
      }
      if (blocks.blocksRead >= maxBlocks) {
        return invalid('too-many-blocks', `more than ${maxBlocks} blocks in one CAR`);
      }
      const offset = reader.pos;
      const bytes = await reader.exactly(blockLength, true);
      let failure = verifyBlock({ cid, bytes });
      if (failure instanceof Promise) failure = await failure;
      if (failure) return err(failure);
      blocks.add(cid, offset, bytes);
    }
  } catch (cause) {
    if (cause instanceof SourceFailure) throw cause.cause;
    return unparseable(cause);
  }
  if (blocks.blocksRead === 0) return invalid('empty', 'empty CAR');
  if (!blocks.has(root)) return invalid('missing-root-block', 'missing root block', root);
  return ok({ root, blocks });
}

function unparseable(cause: unknown) {
  if (cause instanceof SourceFailure) throw cause.cause;
  return invalid('unparseable', `unparseable CAR: ${describe(cause)}`);
}

/**
 * Checks one block against its CID. sha2-256 (nearly every block) is hashed with one-shot
 * `crypto.hash`, which skips the Hash object the validator creates per block (about 30% of the
 * per-block cost for small blocks); every other multihash goes to
 * @web3-storage/car-block-validator. Synchronous unless a hasher is asynchronous.
 */
function verifyBlock(block: Block): InvalidCar | undefined | Promise<InvalidCar | undefined> {
  const multihash = block.cid.multihash;
  if (multihash.code === sha256.code) {
    const digest = hash('sha256', block.bytes, 'buffer');
    const matches =
      digest.byteLength === multihash.digest.byteLength &&
      Buffer.compare(digest, multihash.digest) === 0;
    return matches ? undefined : hashMismatch(block.cid);
  }
  let pending: Promise<void> | undefined;
  try {
    pending = validateBlock(block);
  } catch (cause) {
    return verificationFailure(block, cause);
  }
  return pending?.then(
    () => undefined,
    (cause: unknown) => verificationFailure(block, cause),
  );
}

function verificationFailure(block: Block, cause: unknown): InvalidCar {
  const { cid } = block;
  if (cause instanceof UnsupportedHashError) {
    const code = cid.multihash.code.toString(16);
    return failure.invalidCar(
      'unsupported-multihash',
      `unsupported multihash 0x${code} in ${quote(String(cid))}`,
      cid,
    );
  }
  if (cause instanceof HashMismatchError) return hashMismatch(cid);
  return failure.invalidCar(
    'hash-mismatch',
    `failed hash verification: ${quote(String(cid))}: ${describe(cause)}`,
    cid,
  );
}

function hashMismatch(cid: CID): InvalidCar {
  return failure.invalidCar(
    'hash-mismatch',
    `failed hash verification: ${quote(String(cid))}: CID hash does not match bytes`,
    cid,
  );
}

function undecodable(cid: CID): InvalidCar {
  const codec = WALKABLE_CODECS.get(cid.code);
  const why = codec
    ? `is not valid ${codec}`
    : `has codec 0x${cid.code.toString(16)}, which is not one of raw, dag-pb, dag-cbor`;
  return failure.invalidCar('undecodable-block', `block ${quote(String(cid))} ${why}`, cid);
}

function invalid(reason: InvalidCarReason, message: string, cid?: CID) {
  return err(failure.invalidCar(reason, message, cid));
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
