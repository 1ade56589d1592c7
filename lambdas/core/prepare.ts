/**
 * Turns request content into a CAR ready to store: a raw file or a directory packed as UnixFS,
 * an uploaded CAR validated block by block, or ERC-1155 metadata built into an NFT DAG.
 */
import { MAX_META_DEPTH } from '../../contract/limits.ts';
import { failure, type InvalidCar, type InvalidMeta, type InvalidRequest } from './failures.ts';
import {
  buildNftStore,
  carCid,
  encodeCar,
  encodeLinkIndex,
  type NftFile,
  type NftStoreFailure,
  type PackFailure,
  packDirectory,
  packFile,
  validateCar,
} from './ipfs/index.ts';
import type { PackedDag } from './ipfs/unixfs.ts';
import { err, ok, type Result } from './result.ts';
import type { IncomingCar } from './uploads.ts';

export async function carFromFile(content: Uint8Array): Promise<Result<IncomingCar, PackFailure>> {
  const packed = await packFile(content);
  if (!packed.ok) return packed;
  return ok(await carOf(packed.value));
}

export async function carFromDirectory(
  files: readonly { name: string; content: Uint8Array }[],
): Promise<Result<IncomingCar, PackFailure>> {
  const packed = await packDirectory(files);
  if (!packed.ok) return packed;
  return ok(await carOf(packed.value));
}

/** An uploaded CAR (possibly one chunk of a larger DAG): every block verified. */
export async function carFromUpload(bytes: Uint8Array): Promise<Result<IncomingCar, InvalidCar>> {
  const validated = await validateCar(bytes);
  if (!validated.ok) return validated;
  const car = validated.value;
  return ok({
    root: car.root,
    bytes,
    carCid: car.carCid,
    dagSize: car.dagSize,
    structure: car.structure,
    // Only a chunk of a larger DAG takes part in a completeness walk later.
    ...(car.structure === 'complete'
      ? {}
      : { linkIndex: await encodeLinkIndex(car.blocks.entries(), car.blocks.size) }),
  });
}

export async function nftFromForm(
  metaJson: string,
  files: readonly NftFile[],
): Promise<
  Result<
    { car: IncomingCar; data: Record<string, unknown> },
    NftStoreFailure | InvalidRequest | InvalidMeta
  >
> {
  if (nestingDepth(metaJson) > MAX_META_DEPTH) {
    return err(failure.invalidMeta(`\`meta\` is nested deeper than ${MAX_META_DEPTH} levels`));
  }
  let meta: unknown;
  try {
    meta = JSON.parse(metaJson);
  } catch {
    return err(failure.invalidRequest('`meta` is not valid JSON'));
  }
  const nft = await buildNftStore(meta, files);
  if (!nft.ok) return nft;
  const car = await carOf({ root: nft.value.root, blocks: nft.value.blocks });
  return ok({ car, data: nft.value.data });
}

/**
 * How deeply the JSON text nests objects and arrays, found without parsing it: the parser and
 * every later walk of the value recurse, so depth is checked before any of them runs.
 */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** A DAG built here is complete by construction, so it needs no re-verification. */
async function carOf(dag: PackedDag): Promise<IncomingCar> {
  const bytes = await encodeCar(dag.root, dag.blocks);
  return {
    root: dag.root,
    bytes,
    carCid: await carCid(bytes),
    // Packed DAGs list each block once: their sum is the DAG's size.
    dagSize: dag.blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0),
    structure: 'complete',
  };
}
