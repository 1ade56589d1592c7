/** CID parsing and the normal forms the table is keyed by. */
import { base32 } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';

export interface ContentId {
  /** The CID as the caller wrote it (trimmed). */
  source: string;
  /** The same root as a CIDv1 string: uploads are keyed by it. */
  v1: string;
  /** Base32 multihash: content is keyed by it, so CIDv0/v1 of one root are one record. */
  multihash: string;
  cid: CID;
}

export function parseContentId(text: string): ContentId | undefined {
  const source = text.trim();
  if (!source || source.length > 512) return undefined;
  try {
    const cid = CID.parse(source);
    return fromCid(cid, source);
  } catch {
    return undefined;
  }
}

export function fromCid(cid: CID, source = cid.toString()): ContentId {
  return {
    source,
    v1: cid.toV1().toString(),
    multihash: base32.encode(cid.multihash.bytes),
    cid,
  };
}
