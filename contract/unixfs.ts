/**
 * The UnixFS parameters that decide CIDs — what `ipfs add --cid-version=1` and the nft.storage
 * client compute: CIDv1, raw leaves, fixed 262,144-byte chunks, sha2-256, balanced layout with at
 * most 174 links per node, Kubo's directory sharding. Part of the contract: the server packs
 * uploads with them and the client library computes the same CIDs locally before it sends a
 * byte. They are spelled out rather than left to library defaults, so an upgrade of
 * ipfs-unixfs-importer cannot silently change CIDs.
 */
import type { ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';

export const CHUNK_BYTES = 262_144;
export const MAX_CHILDREN_PER_NODE = 174;
/** Kubo's directory sharding threshold (estimated link bytes). */
export const SHARD_SPLIT_THRESHOLD_BYTES = 262_144;

export function importerOptions(wrapWithDirectory: boolean): ImporterOptions {
  return {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_BYTES }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
    shardSplitThresholdBytes: SHARD_SPLIT_THRESHOLD_BYTES,
    shardSplitStrategy: 'links-bytes',
    shardFanoutBits: 8,
    fieldOrder: 'links-first',
    wrapWithDirectory,
  };
}
