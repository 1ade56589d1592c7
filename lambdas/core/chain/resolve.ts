/**
 * From what a token's URI call answered to what is recorded: the URI's status, the CIDs in the
 * URI itself or in a `data:` URI's content, and whether metadata is left to fetch.
 */
import { createHash } from 'node:crypto';
import type { FoundCid, MetadataStatus, NftRecord, TokenStandard, UriStatus } from '../ports.ts';
import { parseJson, walkMetadata } from './metadata.ts';
import type { UriAnswer } from './reads.ts';
import { CidCollector, classifyUri, isJsonMediaType, isTextual, substituteId } from './uri.ts';

/** Longest URI kept whole in a token's record (a DynamoDB item holds at most 400 KB). */
export const MAX_STORED_URI_CHARS = 32 * 1024;
/** Longest URI kept in a token's history; longer ones keep their start. */
export const MAX_HISTORY_URI_CHARS = 1024;
/** Most replaced URIs a token keeps. */
export const MAX_HISTORY = 10;
/** Most CIDs recorded per token (every CID found is still asked to be pinned). */
export const MAX_RECORDED_CIDS = 500;

export interface ResolvedUri {
  /** The URI as the token means it: ERC-1155 `{id}` substituted. */
  tokenURI: string;
  uriStatus: UriStatus;
  uriReason?: string;
  cids: FoundCid[];
  metadataStatus: Extract<MetadataStatus, 'pending' | 'inline' | 'none'>;
  metadataReason?: string;
  /** HTTP origins the URI named (its gateway), as hints for fetching the content. */
  origins: string[];
}

export function resolveAnswer(
  answer: UriAnswer,
  standard: TokenStandard,
  tokenId: bigint,
): ResolvedUri {
  if (answer.kind !== 'uri') {
    return {
      tokenURI: '',
      uriStatus: answer.kind,
      uriReason: answer.reason,
      cids: [],
      metadataStatus: 'none',
      origins: [],
    };
  }
  return resolveUri(answer.uri, standard, tokenId);
}

export function resolveUri(raw: string, standard: TokenStandard, tokenId: bigint): ResolvedUri {
  const substituted = standard === 'erc1155' ? substituteId(raw, tokenId) : raw;
  const tokenURI = substituted;
  const parsed = classifyUri(substituted);
  const none = { tokenURI, cids: [], metadataStatus: 'none' as const, origins: [] };
  switch (parsed.status) {
    case 'ipfs':
      return {
        tokenURI,
        uriStatus: 'ipfs',
        cids: [{ cid: parsed.cid, path: parsed.path, source: 'uri' }],
        metadataStatus: 'pending',
        origins: parsed.origin ? [parsed.origin] : [],
      };
    case 'data': {
      const inner = standard === 'erc1155' ? tokenId : undefined;
      const json =
        isJsonMediaType(parsed.mediaType) || isTextual(parsed.mediaType)
          ? parseJson(parsed.bytes)
          : undefined;
      if (json !== undefined) {
        const walk = walkMetadata(json, inner);
        return {
          tokenURI,
          uriStatus: 'data',
          cids: walk.cids.map((at) => ({ ...at, source: 'data-uri' })),
          metadataStatus: 'inline',
          ...(walk.truncated ? { metadataReason: `walk stopped: ${walk.truncated}` } : {}),
          origins: [],
        };
      }
      if (!isTextual(parsed.mediaType)) return { ...none, uriStatus: 'data' };
      // SVG, HTML, plain text: CIDs written anywhere in it.
      const collector = new CidCollector();
      collector.scan(Buffer.from(parsed.bytes).toString('utf8'));
      return {
        ...none,
        uriStatus: 'data',
        cids: collector.cids().map((at) => ({ ...at, source: 'data-uri' })),
      };
    }
    case 'http':
      return { ...none, uriStatus: 'http', uriReason: 'a web URL, not IPFS: recorded, not pinned' };
    case 'empty':
      return { ...none, uriStatus: 'empty' };
    default:
      return { ...none, uriStatus: parsed.status, uriReason: parsed.reason };
  }
}

/** The URI as a record keeps it: whole when short enough, else its start and a digest. */
export function storedUri(tokenURI: string, max = MAX_STORED_URI_CHARS) {
  if (tokenURI.length <= max) return { tokenURI };
  return {
    tokenURI: tokenURI.slice(0, max),
    tokenURIFull: {
      length: tokenURI.length,
      sha256: createHash('sha256').update(tokenURI).digest('hex'),
    },
  };
}

/** Whether a newly read URI is the one the record already has. */
export function sameUri(record: NftRecord, resolved: ResolvedUri): boolean {
  const stored = storedUri(resolved.tokenURI);
  return (
    record.tokenURI === stored.tokenURI &&
    record.tokenURIFull?.sha256 === stored.tokenURIFull?.sha256 &&
    record.uriStatus === resolved.uriStatus
  );
}
