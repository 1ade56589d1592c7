/** Pure IPFS core: UnixFS packing, CAR encoding and validation, DAG walks, the /store DAG. */
export type { Block } from './block.ts';
export { multihashKey } from './block.ts';
export { carCid, encodeCar, validateCar } from './car.ts';
export type { DagNode } from './dag.ts';
export { nodeOf, walkNodes } from './dag.ts';
export { decodeLinkIndex, encodeLinkIndex } from './link-index.ts';
export type { NftFile, NftStoreFailure } from './nft-store.ts';
export { buildNftStore } from './nft-store.ts';
export type { PackFailure } from './unixfs.ts';
export { packDirectory, packFile } from './unixfs.ts';
