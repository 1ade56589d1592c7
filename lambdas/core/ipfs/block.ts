/** The block shape every IPFS function here speaks, plus the keys used to index blocks. */
import type { CID } from 'multiformats/cid';

export interface Block {
  cid: CID;
  bytes: Uint8Array;
}

/**
 * A string key for the multihash of a CID. Bytes are fully determined by their multihash, so
 * CIDv0/CIDv1 and codec variants of one block share this key. Latin-1 maps each byte to one
 * UTF-16 unit, which makes the key cheap to build and collision-free.
 */
export function multihashKey(cid: CID): string {
  const bytes = cid.multihash.bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
