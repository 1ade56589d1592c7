/**
 * Real CARs for core tests, built with @ipld/car + multiformats independently of the code
 * under test: a single raw block (complete) and a dag-pb root whose leaf is missing (partial).
 */
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { IncomingCar } from '../../../lambdas/core/uploads.ts';
import { craftCar } from '../../support/ipfs-fixtures.ts';

/** Multicodec of a whole CAR, as in CAR CIDs. */
const CAR_CODEC = 0x0202;

async function incoming(
  root: CID,
  blocks: { cid: CID; bytes: Uint8Array }[],
  dagSize: number | undefined,
  structure: IncomingCar['structure'],
): Promise<IncomingCar> {
  const bytes = new Uint8Array(await craftCar([root], blocks));
  const carCid = CID.create(1, CAR_CODEC, await sha256.digest(bytes));
  return { root, bytes, carCid, dagSize, structure };
}

/** A complete one-block DAG: the raw block of `text` is the root. */
export async function rawCar(text: string): Promise<IncomingCar> {
  const bytes = new TextEncoder().encode(text);
  const cid = CID.create(1, raw.code, await sha256.digest(bytes));
  return incoming(cid, [{ cid, bytes }], bytes.length, 'complete');
}

/**
 * A dag-pb root linking to a raw leaf the CAR does not carry: a partial DAG. With `v0` the
 * root is written as a CIDv0 (`Qm…`), as older tools do.
 */
export async function partialCar(text: string, options: { v0?: boolean } = {}) {
  const leafBytes = new TextEncoder().encode(text);
  const leaf = CID.create(1, raw.code, await sha256.digest(leafBytes));
  const rootBytes = dagPb.encode(
    dagPb.prepare({ Links: [{ Hash: leaf, Name: 'leaf', Tsize: leafBytes.length }] }),
  );
  const digest = await sha256.digest(rootBytes);
  const root = options.v0 ? CID.createV0(digest) : CID.create(1, dagPb.code, digest);
  const car = await incoming(
    root,
    [{ cid: root, bytes: rootBytes }],
    rootBytes.length + leafBytes.length,
    'partial',
  );
  return { car, leaf: { cid: leaf, bytes: leafBytes } };
}
