/** Pure IPFS core: UnixFS packing, CAR encoding and validation, DAG walks, the /store DAG. */
export type { Block } from './block.ts';
export { multihashKey } from './block.ts';
export type {
  ValidateCarOptions,
  ValidCar,
  VerifiedBlocks,
} from './car.ts';
export {
  CAR_CODEC,
  carCid,
  encodeCar,
  MAX_BLOCK_BYTES,
  validateCar,
  verifyCarBlocks,
} from './car.ts';
export type { DagNode, DagReport, DagStructure, GetBlock, WalkReport } from './dag.ts';
export { dagStructure, nodeOf, walkDag, walkNodes } from './dag.ts';
export { decodeLinkIndex, encodeLinkIndex } from './link-index.ts';
export type { NftDag, NftFile, NftStoreFailure } from './nft-store.ts';
export { buildNftStore } from './nft-store.ts';
export type { DirectoryEntry, PackedDag, PackFailure } from './unixfs.ts';
export {
  CHUNK_BYTES,
  MAX_CHILDREN_PER_NODE,
  packDirectory,
  packFile,
  SHARD_SPLIT_THRESHOLD_BYTES,
} from './unixfs.ts';
