/**
 * Reading one file out of a UnixFS DAG, by root CID and path, from blocks at hand (a verified
 * CAR, the carpark's CARs): ipfs-unixfs-exporter walks the path, HAMT-sharded directories
 * included. Blocks come only from `getBlock`, so whatever is read was verified by its CID.
 */
import { exporter } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import { err, ok, type Result } from '../result.ts';
import type { GetBlock } from './dag.ts';

export type ExportFailureReason =
  /** A block the path or file needs is not among the blocks at hand. */
  | 'missing-block'
  /** The path names nothing in the DAG. */
  | 'not-found'
  /** The path names a directory or a non-UnixFS node, not bytes. */
  | 'not-a-file'
  | 'too-large';

export interface ExportFailure {
  reason: ExportFailureReason;
  message: string;
}

class MissingBlock extends Error {
  override name = 'MissingBlock';
}

/** The bytes of the file at `root` + `path` (`''` or `/a/b`), if at most `maxBytes`. */
export async function readFileAt(
  root: CID,
  path: string,
  getBlock: (cid: CID) => ReturnType<GetBlock> | Promise<Uint8Array>,
  maxBytes: number,
): Promise<Result<Uint8Array, ExportFailure>> {
  const blockstore = {
    async *get(cid: CID) {
      const bytes = await getBlock(cid);
      if (bytes === undefined) throw new MissingBlock(`block ${cid} is missing`);
      yield bytes;
    },
  };
  try {
    const entry = await exporter(`${root}${path}`, blockstore);
    if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
      return err({ reason: 'not-a-file', message: `${path || 'the root'} is a ${entry.type}` });
    }
    if (entry.size > BigInt(maxBytes)) {
      return err({ reason: 'too-large', message: `${entry.size} bytes, over ${maxBytes}` });
    }
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of entry.content()) {
      length += chunk.byteLength;
      if (length > maxBytes) {
        return err({ reason: 'too-large', message: `more than ${maxBytes} bytes` });
      }
      chunks.push(chunk);
    }
    return ok(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks));
  } catch (error) {
    if (error instanceof MissingBlock)
      return err({ reason: 'missing-block', message: error.message });
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_NOT_FOUND') {
      return err({ reason: 'not-found', message: `${path} is not in the DAG` });
    }
    // Anything else is about the DAG itself (its blocks were verified, their contents were not):
    // not UnixFS, an unknown codec, a node that does not decode.
    const why = error instanceof Error ? error.message : String(error);
    return err({
      reason: 'not-a-file',
      message: `cannot read ${path || 'the root'} as a file (${code ?? 'error'}: ${why.slice(0, 120)})`,
    });
  }
}
