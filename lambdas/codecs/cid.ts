/** CID parsing and the normal forms the table is keyed by. */

import { CID } from 'multiformats/cid';
import { MAX_CID_LENGTH } from '../../contract/limits.ts';

export interface ContentId {
  /** The CID as the caller wrote it (trimmed). */
  source: string;
  /** The same root as a CIDv1 string: content and uploads are keyed by it. */
  v1: string;
  cid: CID;
}

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
