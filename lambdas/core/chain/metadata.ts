/**
 * Walking NFT metadata for CIDs: every string at any depth, in objects and arrays alike
 * (`image`, `animation_url`, `properties.*`, `files[]`, `localization.uri`, …), loose JSON
 * accepted — no field is required. ERC-1155 `{id}` is substituted in every string first.
 */
import { type CidAt, CidCollector, substituteId } from './uri.ts';

export interface WalkLimits {
  /** Most values visited: bounds the work of a hostile document. */
  maxValues: number;
  /** Most CIDs kept. */
  maxCids: number;
}

export const METADATA_WALK_LIMITS: WalkLimits = { maxValues: 200_000, maxCids: 1000 };

export interface MetadataWalk {
  cids: CidAt[];
  /** Set when a limit cut the walk short. */
  truncated?: string;
}

/** The CIDs in a parsed JSON value; `tokenId` turns on ERC-1155 substitution. */
export function walkMetadata(
  json: unknown,
  tokenId?: bigint,
  limits: WalkLimits = METADATA_WALK_LIMITS,
): MetadataWalk {
  const collector = new CidCollector(limits.maxCids);
  const pending: unknown[] = [json];
  let visited = 0;
  let truncated: string | undefined;
  while (pending.length > 0) {
    const value = pending.pop();
    if (++visited > limits.maxValues) {
      truncated = `more than ${limits.maxValues} values`;
      break;
    }
    if (typeof value === 'string') {
      collector.scan(tokenId === undefined ? value : substituteId(value, tokenId));
      if (collector.full) {
        truncated = `more than ${limits.maxCids} CIDs`;
        break;
      }
    } else if (Array.isArray(value)) {
      // Pushed in reverse so values come out in document order.
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const children = Object.values(value);
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
    }
  }
  return { cids: collector.cids(), ...(truncated ? { truncated } : {}) };
}

/** JSON text, or undefined when it is not JSON (BOM and surrounding whitespace allowed). */
export function parseJson(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
