/**
 * The ERC-1155 DAG of `POST /store`, built the way nft.storage's server route and its JS
 * client's `store()` build it:
 *   - each file is packed wrapped in a directory; `meta.<field>` becomes `ipfs://<dir>/<name>`;
 *   - `metadata.json` is the rewritten meta as JSON, packed unwrapped;
 *   - the root is a dag-cbor block holding meta with a CID link (the directory) at each file
 *     path instead of the URL, plus `"metadata.json": <link>` and `"type": "nft"`.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  type EmptyContent,
  failure,
  type InvalidMeta,
  type InvalidPath,
  quote,
} from '../failures.ts';
import { err, ok, type Result } from '../result.ts';
import { type Block, multihashKey } from './block.ts';
import { checkPaths, packDirectory, packFile } from './unixfs.ts';

export interface NftFile {
  /** `.`-separated path into meta, e.g. `image` or `properties.video`. */
  field: string;
  name: string;
  type: string;
  content: Uint8Array;
}

export interface NftDag {
  /** dag-cbor root: the `ipnft`. */
  root: CID;
  /** Root block first, then the files' and metadata.json's blocks, each once. */
  blocks: Block[];
  /** The meta as written to metadata.json, with `ipfs://` URLs at the file paths. */
  data: Record<string, unknown>;
}

export type NftStoreFailure = InvalidMeta | InvalidPath | EmptyContent;

/** Blob parts without a file name are stored under this name, as the nft.storage client did. */
const DEFAULT_FILE_NAME = 'blob';
/** Keys that would reach Object.prototype instead of the meta. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type JsonContainer = Record<string, unknown> | unknown[];

export async function buildNftStore(
  meta: unknown,
  files: readonly NftFile[],
): Promise<Result<NftDag, NftStoreFailure>> {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    return err(failure.invalidMeta('meta must be a JSON object'));
  }
  let json: string;
  try {
    json = JSON.stringify(meta);
  } catch (cause) {
    return err(failure.invalidMeta(`meta is not JSON: ${describe(cause)}`));
  }
  // Two independent copies: `data` gets URLs (metadata.json), `dag` gets links (the root).
  const data = JSON.parse(json) as Record<string, unknown>;
  const dag = JSON.parse(json) as Record<string, unknown>;

  const blocks = new Map<string, Block>();
  const add = (list: readonly Block[]) => {
    for (const block of list) blocks.set(multihashKey(block.cid), block);
  };
  const fields = new Set<string>();

  for (const file of files) {
    if (fields.has(file.field)) {
      return err(failure.invalidPath(`field "${quote(file.field)}" is given twice`));
    }
    fields.add(file.field);
    const name = file.name === '' ? DEFAULT_FILE_NAME : file.name;
    const nameProblem = checkPaths([name]);
    if (nameProblem) return err(failure.invalidPath(nameProblem));

    const path = file.field.split('.');
    const dataTarget = resolveParent(data, path, file.field);
    if (!dataTarget.ok) return dataTarget;
    const dagTarget = resolveParent(dag, path, file.field);
    if (!dagTarget.ok) return dagTarget;

    const packed = await packDirectory([{ name, content: file.content }]);
    if (!packed.ok) return err(packed.error);
    add(packed.value.blocks);
    assign(dataTarget.value, `ipfs://${packed.value.root}/${name}`);
    assign(dagTarget.value, packed.value.root);
  }

  const metadataJson = await packFile(new TextEncoder().encode(JSON.stringify(data)));
  if (!metadataJson.ok) throw new Error('metadata.json cannot be empty');
  add(metadataJson.value.blocks);

  let rootBytes: Uint8Array;
  try {
    rootBytes = dagCbor.encode({ ...dag, 'metadata.json': metadataJson.value.root, type: 'nft' });
  } catch (cause) {
    return err(failure.invalidMeta(`meta cannot be encoded: ${describe(cause)}`));
  }
  const root = CID.create(1, dagCbor.code, await sha256.digest(rootBytes));
  blocks.delete(multihashKey(root));
  return ok({ root, blocks: [{ cid: root, bytes: rootBytes }, ...blocks.values()], data });
}

interface Slot {
  container: JsonContainer;
  key: string | number;
}

/**
 * Finds where a file's value goes. Every container on the way must already exist in meta (the
 * clients send it with the file values left out), so a typo is an error, not a new branch.
 */
function resolveParent(
  root: Record<string, unknown>,
  path: readonly string[],
  field: string,
): Result<Slot, NftStoreFailure> {
  const fail = (why: string) =>
    err<NftStoreFailure>(failure.invalidPath(`invalid field path "${quote(field)}": ${why}`));
  let container: JsonContainer = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    if (segment === '') return fail('empty segment');
    if (UNSAFE_KEYS.has(segment)) return fail(`"${quote(segment)}" is not allowed`);
    let key: string | number = segment;
    if (Array.isArray(container)) {
      if (!/^(0|[1-9]\d{0,8})$/.test(segment)) {
        return fail(`"${quote(segment)}" is not an array index`);
      }
      key = Number(segment);
      if (key > container.length) return fail(`index ${key} is past the end of the array`);
    }
    if (i === path.length - 1) return ok({ container, key });
    const next: unknown = (container as Record<string | number, unknown>)[key];
    if (typeof next !== 'object' || next === null) {
      return fail(`"${quote(path.slice(0, i + 1).join('.'))}" is not an object in meta`);
    }
    container = next as JsonContainer;
  }
  return fail('empty path');
}

function assign(slot: Slot, value: unknown): void {
  (slot.container as Record<string | number, unknown>)[slot.key] = value;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
