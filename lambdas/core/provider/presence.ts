/**
 * "Is this block held here?" until the block index (the gateway's issue) is merged: only roots
 * are known, from the content records (one per root CIDv1, so each codec a root may have is
 * tried). TEMPORARY — at the merge, replace with the block index, which knows inner blocks too:
 *   blockIndexPresence(index) = { has: async (mh) => (await index.locate(mh)) !== undefined }
 */
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import type { BlockPresence, ContentStore } from '../ports.ts';

/** The codecs a stored root may have (raw, dag-pb, dag-cbor). */
const ROOT_CODECS = [0x55, 0x70, 0x71];

export function rootPresence(contents: Pick<ContentStore, 'getMany'>): BlockPresence {
  return {
    async has(multihash) {
      const digest = Digest.decode(multihash);
      const cids = ROOT_CODECS.map((codec) => CID.createV1(codec, digest).toString());
      return (await contents.getMany(cids)).size > 0;
    },
  };
}
