/**
 * CARs as streams: several stored CARs of one DAG joined into one CAR (one header naming the
 * root, then every CAR's blocks), without holding any of them in memory. Providers that take a
 * single CAR per DAG (IPFS Cluster's `add?format=car`) get a chunked upload's CARs this way.
 */
import { varint } from 'multiformats';
import type { CID } from 'multiformats/cid';
import { encodeCar } from './car.ts';

/** The header of a CARv1 with one root: a CAR of no blocks is exactly that. */
export function carHeader(root: CID): Promise<Uint8Array> {
  return encodeCar(root, []);
}

/**
 * One CAR of `root` whose blocks are those of every part, in order (a block in two parts
 * appears twice, which CAR readers accept). Each part is opened only when the one before is
 * done.
 */
export async function* joinCars(
  root: CID,
  parts: Iterable<() => Promise<AsyncIterable<Uint8Array>>>,
): AsyncGenerator<Uint8Array> {
  yield await carHeader(root);
  for (const open of parts) yield* withoutHeader(await open());
}

/** The sections of a CARv1 stream: everything after its header. */
export async function* withoutHeader(car: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // The header is a varint length, then that many bytes; both may span chunks.
  let pending: Uint8Array = new Uint8Array(0);
  let skip: number | undefined;
  for await (const chunk of car) {
    if (skip === undefined) {
      pending = concat(pending, chunk);
      const length = headerLength(pending);
      if (length === undefined) continue;
      skip = length;
      const rest = pending.subarray(Math.min(skip, pending.length));
      skip -= Math.min(skip, pending.length);
      pending = new Uint8Array(0);
      if (rest.length > 0) yield rest;
      continue;
    }
    if (skip > 0) {
      const dropped = Math.min(skip, chunk.length);
      skip -= dropped;
      if (dropped < chunk.length) yield chunk.subarray(dropped);
      continue;
    }
    yield chunk;
  }
  if (skip === undefined || skip > 0) throw new Error('CAR ended inside its header');
}

/** Bytes taken by the header (its varint and its body), once the varint is complete. */
function headerLength(bytes: Uint8Array): number | undefined {
  // A varint's last byte has its high bit clear; a header length needs at most 5 bytes.
  const end = bytes.subarray(0, 10).findIndex((byte) => (byte & 0x80) === 0);
  if (end < 0) {
    if (bytes.length >= 10) throw new Error('CAR header length is not a varint');
    return undefined;
  }
  const [length, read] = varint.decode(bytes);
  return read + length;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
