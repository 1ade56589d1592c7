/**
 * CARv1 encoding, CAR CIDs, and the nft.storage CAR acceptance rules (one root, ≤ 2 MiB blocks,
 * every block hashing to its CID, root block present; partial DAGs accepted).
 */
import { hash, webcrypto } from 'node:crypto';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import {
  HashMismatchError,
  UnsupportedHashError,
  validateBlock,
} from '@web3-storage/car-block-validator';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { MAX_BLOCK_BYTES, MAX_CID_LENGTH } from '../../../contract/limits.ts';
import { failure, type InvalidCar, type InvalidCarReason, quote } from '../failures.ts';
import { err, ok, type Result } from '../result.ts';
import { type Block, multihashKey } from './block.ts';
import { type DagStructure, type GetBlock, WALKABLE_CODECS, walkDag } from './dag.ts';

/** Multicodec of a whole CAR file, as used in CAR CIDs (`bagbaiera…`). */
export const CAR_CODEC = 0x0202;

export interface ValidCar {
  /** The root exactly as written in the CAR header (a CIDv0 stays v0). */
  root: CID;
  /** Every block of the CAR, each verified against its CID. Bytes are views into the input. */
  blocks: Block[];
  carCid: CID;
  carBytes: number;
  /** Complete: the distinct bytes of the DAG; partial: what a dag-pb root declares (Tsizes). */
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

export interface VerifiedBlocks {
  root: CID;
  blocks: Block[];
  /** Looks a block up by multihash, so CIDv0/v1 and codec variants all find it. */
  getBlock: GetBlock;
}

/**
 * The block-level half of validateCar: parse, one root, at least one block, size limit, every
 * block hashing to its CID, root block present. No CAR CID and no DAG walk.
 */
export function verifyCarBlocks(
  bytes: Uint8Array,
  opts: ValidateCarOptions = {},
): Promise<Result<VerifiedBlocks, InvalidCar>> {
  return readCar(bytes, opts.maxBlockBytes ?? MAX_BLOCK_BYTES);
}

export async function validateCar(
  bytes: Uint8Array,
  opts: ValidateCarOptions = {},
): Promise<Result<ValidCar, InvalidCar>> {
  let carDigest: Promise<Uint8Array> | undefined;
  const verified = await readCar(bytes, opts.maxBlockBytes ?? MAX_BLOCK_BYTES, () => {
    // The CAR CID hashes the same bytes the block checks do. WebCrypto runs it on the libuv
    // pool while this thread verifies blocks, so with a second core the extra pass over the
    // bytes costs little wall time.
    carDigest = webcrypto.subtle.digest('SHA-256', bytes).then(
      (digest) => new Uint8Array(digest),
      // WebCrypto refuses some buffers (e.g. shared memory): hash on this thread instead.
      async () => (await sha256.digest(bytes)).digest,
    );
  });
  if (!verified.ok) return verified;
  const { root, blocks, getBlock } = verified.value;

  const report = walkDag(root, getBlock);
  // A block whose links cannot be read would leave completeness unknowable (and a CIDv0 root
  // that is not dag-pb would wait forever to be pinned): such a CAR is invalid.
  if (report.undecodable) return err(undecodable(report.undecodable));
  // readCar always starts the digest before it succeeds; hash here only if that ever changes.
  const digest = carDigest ? await carDigest : (await sha256.digest(bytes)).digest;

  return ok({
    root,
    blocks,
    carCid: CID.create(1, CAR_CODEC, Digest.create(sha256.code, digest)),
    carBytes: bytes.byteLength,
    // nft.storage's size rules: raw and dag-pb roots say how big the DAG is (partial or not);
    // for other codecs only a complete walk knows.
    // A complete DAG's size is measured: the distinct bytes it holds. Only an incomplete one
    // falls back to what its root declares (dag-pb Tsizes), which the client could inflate.
    dagSize: report.structure === 'complete' ? report.size : report.declaredSize,
    structure: report.structure,
    missing: report.missing,
  });
}

/** `beforeVerify` runs once the cheap header checks pass, just before hashing starts. */
async function readCar(
  bytes: Uint8Array,
  maxBlockBytes: number,
  beforeVerify?: () => void,
): Promise<Result<VerifiedBlocks, InvalidCar>> {
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
  if (root.toString().length > MAX_CID_LENGTH) {
    return invalid('root-cid-too-long', `the root CID is longer than ${MAX_CID_LENGTH} characters`);
  }

  const blocks = reader.blocks();
  if (blocks.length === 0) return invalid('empty', 'empty CAR');

  beforeVerify?.();
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

  if (!index.has(multihashKey(root))) {
    return invalid('missing-root-block', 'missing root block', root);
  }
  return ok({ root, blocks, getBlock: (cid, key = multihashKey(cid)) => index.get(key) });
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
