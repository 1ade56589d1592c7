/**
 * CARv1 encoding, CAR CIDs, and the nft.storage CAR acceptance rules (one root, ≤ 2 MiB blocks,
 * every block hashing to its CID, root block present; partial DAGs accepted).
 */
import { webcrypto } from 'node:crypto';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
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
import { err, ok, type Result } from '../result.ts';
import { type Block, type IpfsFailure, multihashKey } from './block.ts';
import { type DagStructure, dagStructure } from './dag.ts';

/** Multicodec of a whole CAR file, as used in CAR CIDs (`bagbaiera…`). */
export const CAR_CODEC = 0x0202;
/** nft.storage's per-block limit, also what IPFS clients accept over bitswap. */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024;

export type InvalidCarReason =
  | 'unparseable'
  | 'missing-roots'
  | 'too-many-roots'
  | 'empty'
  | 'block-too-big'
  | 'hash-mismatch'
  | 'unsupported-multihash'
  | 'missing-root-block';

/**
 * `reason` lets the edge pick the status: nft.storage answered 400 ERROR_INVALID_CAR for
 * `hash-mismatch` / `unsupported-multihash` and a 500 for the rest.
 */
export interface InvalidCar extends IpfsFailure<'InvalidCar'> {
  reason: InvalidCarReason;
}

export interface ValidCar {
  /** The root exactly as written in the CAR header (a CIDv0 stays v0). */
  root: CID;
  /** Every block of the CAR, each verified against its CID. Bytes are views into the input. */
  blocks: Block[];
  carCid: CID;
  carBytes: number;
  /** Raw root: its length; dag-pb root: root length + link Tsizes; others: when complete. */
  dagSize: number | undefined;
  structure: DagStructure;
  missing: CID[];
}

export interface ValidateCarOptions {
  maxBlockBytes?: number;
}

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

export async function validateCar(
  bytes: Uint8Array,
  opts: ValidateCarOptions = {},
): Promise<Result<ValidCar, InvalidCar>> {
  const maxBlockBytes = opts.maxBlockBytes ?? MAX_BLOCK_BYTES;

  let reader: CarBufferReader;
  try {
    reader = CarBufferReader.fromBytes(bytes);
  } catch (cause) {
    return invalid('unparseable', `unparseable CAR: ${describe(cause)}`);
  }

  const roots = reader.getRoots();
  const [root] = roots;
  if (root === undefined) return invalid('missing-roots', 'missing roots');
  if (roots.length > 1) return invalid('too-many-roots', `too many roots: ${roots.length}`);

  const blocks = reader.blocks();
  if (blocks.length === 0) return invalid('empty', 'empty CAR');

  // The CAR CID hashes the same bytes the block checks do. WebCrypto runs it on the libuv pool
  // while this thread verifies blocks, so the second pass over the bytes costs little wall time.
  const carDigest = webcrypto.subtle.digest('SHA-256', bytes).then(
    (digest) => new Uint8Array(digest),
    // WebCrypto refuses some buffers (e.g. shared memory): hash on this thread instead.
    async () => (await sha256.digest(bytes)).digest,
  );

  const index = new Map<string, Uint8Array>();
  for (const block of blocks) {
    const length = block.bytes.byteLength;
    if (length > maxBlockBytes) {
      return invalid('block-too-big', `block too big: ${length} > ${maxBlockBytes}`, block.cid);
    }
    let failure = verifyBlock(block);
    if (failure instanceof Promise) failure = await failure;
    if (failure) return err(failure);
    index.set(multihashKey(block.cid), block.bytes);
  }

  const rootBytes = index.get(multihashKey(root));
  if (rootBytes === undefined) return invalid('missing-root-block', 'missing root block', root);

  const report = dagStructure(root, (cid) => index.get(multihashKey(cid)));
  const digest = await carDigest;

  return ok({
    root,
    blocks,
    carCid: CID.create(1, CAR_CODEC, Digest.create(sha256.code, digest)),
    carBytes: bytes.byteLength,
    dagSize: dagSizeOf(root, rootBytes, report.size),
    structure: report.structure,
    missing: report.missing,
  });
}

/**
 * Checks one block with @web3-storage/car-block-validator (every multihash it supports). Stays
 * synchronous for synchronous hashers so the per-block loop does not pay for a promise.
 */
function verifyBlock(block: Block): InvalidCar | undefined | Promise<InvalidCar | undefined> {
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
    return failure('unsupported-multihash', `unsupported multihash 0x${code} in ${cid}`, cid);
  }
  const detail =
    cause instanceof HashMismatchError ? 'CID hash does not match bytes' : describe(cause);
  return failure('hash-mismatch', `failed hash verification: ${cid}: ${detail}`, cid);
}

/** nft.storage's size rules: the dag-pb root's Tsizes are trusted, so partial CARs have a size. */
export function dagSizeOf(root: CID, rootBytes: Uint8Array, walkedSize: number | undefined) {
  if (root.code === raw.code) return rootBytes.byteLength;
  if (root.code === dagPb.code) {
    try {
      const node = dagPb.decode(rootBytes);
      let size = rootBytes.byteLength;
      for (const link of node.Links) size += link.Tsize ?? 0;
      return size;
    } catch {
      return undefined;
    }
  }
  return walkedSize;
}

function failure(reason: InvalidCarReason, message: string, cid?: CID): InvalidCar {
  return cid
    ? { name: 'InvalidCar', reason, message, cid }
    : { name: 'InvalidCar', reason, message };
}

function invalid(reason: InvalidCarReason, message: string, cid?: CID) {
  return err(failure(reason, message, cid));
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
