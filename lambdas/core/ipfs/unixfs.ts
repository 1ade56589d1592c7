/**
 * UnixFS packing with the parameters that decide CIDs (contract/unixfs.ts), over content in
 * memory: what a request body holds.
 */

import type { FileCandidate } from 'ipfs-unixfs-importer';
import { importer } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';
import {
  MAX_DIRECTORY_FILES,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
} from '../../../contract/limits.ts';
import { importerOptions } from '../../../contract/unixfs.ts';
import { type EmptyContent, failure, type InvalidPath, quote } from '../failures.ts';
import { err, ok, type Result } from '../result.ts';
import { type Block, multihashKey } from './block.ts';
import { pushLinks } from './dag.ts';

export interface PackedDag {
  root: CID;
  /** Distinct blocks in depth-first order from the root (the order `ipfs dag export` uses). */
  blocks: Block[];
}

export interface DirectoryEntry {
  /** Path inside the directory; `/` separates sub-directories. */
  name: string;
  content: Uint8Array;
}

export type PackFailure = EmptyContent | InvalidPath;

/** One file, not wrapped: small content becomes a single raw block (`bafkrei…`). */
export async function packFile(content: Uint8Array): Promise<Result<PackedDag, PackFailure>> {
  if (content.byteLength === 0) {
    return err(failure.emptyContent('empty payload: content has 0 bytes'));
  }
  return ok(await pack([{ content }], false));
}

/** Files wrapped in a directory; names containing `/` create sub-directories. */
export async function packDirectory(
  files: readonly DirectoryEntry[],
): Promise<Result<PackedDag, PackFailure>> {
  if (files.length === 0) {
    return err(failure.emptyContent('no files to pack into a directory'));
  }
  const problem = checkPaths(files.map((file) => file.name));
  if (problem) return err(failure.invalidPath(problem));
  return ok(
    await pack(
      files.map((file) => ({ path: file.name, content: file.content })),
      true,
    ),
  );
}

/**
 * Returns a description of the first unusable path, if any: empty names, empty / `.` / `..`
 * segments (which importers would silently normalise or escape with), control characters and
 * backslashes (which no file system round-trips), over-long names, duplicates, a path used both
 * as a file and as a directory, and more files than a directory upload takes.
 */
export function checkPaths(names: readonly string[]): string | undefined {
  if (names.length > MAX_DIRECTORY_FILES) {
    return `too many files: ${names.length} > ${MAX_DIRECTORY_FILES} in one directory upload`;
  }
  const files = new Set<string>();
  const directories = new Set<string>();
  for (const name of names) {
    if (name === '') return 'file name is empty';
    const invalid = (why: string) => `invalid path "${quote(name)}": ${why}`;
    if (Buffer.byteLength(name) > MAX_PATH_BYTES) {
      return invalid(`longer than ${MAX_PATH_BYTES} bytes`);
    }
    if (hasControlOrBackslash(name)) {
      return invalid('control characters and backslashes are not allowed');
    }
    const segments = name.split('/');
    for (const segment of segments) {
      if (segment === '') return invalid('empty path segment');
      if (segment === '.' || segment === '..') {
        return invalid(`"${segment}" segments are not allowed`);
      }
      if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
        return invalid(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
      }
    }
    if (files.has(name)) return `duplicate path "${quote(name)}"`;
    files.add(name);
    for (let i = 1; i < segments.length; i++) directories.add(segments.slice(0, i).join('/'));
  }
  for (const name of files) {
    if (directories.has(name)) {
      return `path "${quote(name)}" is used both as a file and as a directory`;
    }
  }
  return undefined;
}

function hasControlOrBackslash(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

async function pack(candidates: FileCandidate[], wrap: boolean): Promise<PackedDag> {
  const store = new Map<string, Block>();
  const sink = {
    // The importer only ever passes whole blocks; keep the stored view as is (no copy).
    put(cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('expected block bytes');
      store.set(multihashKey(cid), { cid, bytes });
      return cid;
    },
  };
  let root: CID | undefined;
  for await (const entry of importer(candidates, sink, importerOptions(wrap))) root = entry.cid;
  if (root === undefined) throw new Error('importer produced no root');
  return { root, blocks: depthFirst(root, store) };
}

/** Orders blocks root first, children left to right; anything unreachable goes last. */
function depthFirst(root: CID, store: Map<string, Block>): Block[] {
  const ordered: Block[] = [];
  const placed = new Set<string>();
  const stack: CID[] = [root];
  const links: CID[] = [];
  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    const key = multihashKey(cid);
    const block = store.get(key);
    if (block === undefined || placed.has(key)) continue;
    placed.add(key);
    ordered.push(block);
    links.length = 0;
    pushLinks(cid, block.bytes, links);
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i] as CID);
  }
  for (const [key, block] of store) if (!placed.has(key)) ordered.push(block);
  return ordered;
}
