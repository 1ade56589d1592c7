/** CID parsing and the normal forms the table is keyed by. */
import { CID } from 'multiformats/cid';

export interface ContentId {
  /** The CID as the caller wrote it (trimmed). */
  source: string;
  /** The same root as a CIDv1 string: content and uploads are keyed by it. */
  v1: string;
  cid: CID;
}

/** Longest CID string accepted (a parameter, a CAR root): identity CIDs could be any length. */
export const MAX_CID_LENGTH = 512;

export function parseContentId(text: string): ContentId | undefined {
  const source = text.trim();
  if (!source || source.length > MAX_CID_LENGTH) return undefined;
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
    cid,
  };
}
