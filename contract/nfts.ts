/**
 * NFTs found on chains by the scraper: "is this NFT's data stored?" for anyone, by chain id,
 * contract and token id.
 */
import * as z from 'zod/mini';
import { BadRequest, NotFound, publicErrors } from './errors.ts';
import { route } from './route.ts';
import { Cid, DateTime, described, named, okEnvelope } from './schema.ts';
import { PinStatus } from './status.ts';

export const NftParams = z.object({
  chainId: described(
    'EIP-155 chain id, decimal',
    z.string().check(z.regex(/^[1-9]\d{0,15}$/, 'must be a positive decimal chain id')),
  ),
  contract: described(
    'Contract address: 0x and 40 hex digits, any letter case',
    z.string().check(z.regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x and 40 hex digits')),
  ),
  tokenId: described(
    'Token id, decimal: any uint256, 0 to 2^256 - 1 (a larger value is 400)',
    z.string().check(z.regex(/^\d{1,78}$/, 'must be a decimal token id')),
  ),
});

export const URI_STATUSES = [
  'ipfs',
  'data',
  'http',
  'unsupported',
  'empty',
  'reverted',
  'invalid',
] as const;

export const METADATA_STATUSES = [
  'pending',
  'retrying',
  'fetched',
  'not-json',
  'inline',
  'failed',
  'none',
] as const;

const CidSource = described(
  'Found in the URI itself, inside a `data:` URI, or in the fetched metadata',
  z.enum(['uri', 'data-uri', 'metadata']),
);

const FoundCid = {
  cid: described('The root as CIDv1', Cid),
  path: described('Path under the root ("" for the root itself)', z.string()),
  source: CidSource,
};

export const NftCid = named(
  'NftCid',
  'A CID found for the token, and whether its content is stored here',
  z.object({
    ...FoundCid,
    pin: described(
      'The pin of the root: `queued` until its content is fetched and stored',
      z.object({
        status: PinStatus,
        size: described('DAG size in bytes, 0 if unknown', z.int().check(z.nonnegative())),
      }),
    ),
  }),
);

export const NftResult = named(
  'Nft',
  'What the scraper found for an NFT and whether its data is stored',
  z.object({
    chainId: z.int().check(z.positive()),
    contract: described('Lower-case address', z.string()),
    tokenId: described('Decimal', z.string()),
    tokenURI: described('As read, ERC-1155 `{id}` substituted; cut after 32 KiB', z.string()),
    uriStatus: described(
      '`ipfs` (CIDs pinned), `data` (decoded), `http` (web URL: not pinned), `unsupported` (IPNS, Arweave, …), `empty`, `reverted` (the call reverted), `invalid`',
      z.enum(URI_STATUSES),
    ),
    uriReason: z.optional(z.string()),
    metadataStatus: described(
      '`pending`/`retrying` (to fetch), `fetched` (JSON walked for CIDs), `not-json` (e.g. the image itself), `inline` (JSON in a `data:` URI), `failed` (given up), `none`',
      z.enum(METADATA_STATUSES),
    ),
    metadataReason: z.optional(z.string()),
    cids: z.array(NftCid),
    history: z.optional(
      described(
        'URIs the token had before, newest first (their CIDs stay pinned)',
        z.array(
          z.object({
            tokenURI: described('Cut to its first 1024 characters', z.string()),
            cids: z.array(z.object(FoundCid)),
            replaced: DateTime,
          }),
        ),
      ),
    ),
    updated: DateTime,
  }),
);
export type NftView = z.infer<typeof NftResult>;

export const getNft = route({
  operationId: 'getNft',
  method: 'GET',
  path: '/nfts/{chainId}/{contract}/{tokenId}',
  summary: "Is this NFT's data stored?",
  description:
    'Public. What the chain scraper recorded for a token: its URI, the CIDs in it and its ' +
    'metadata, and the pin of each. 404 for a token not seen.',
  tag: 'NFTs on chain',
  auth: 'none',
  legacyAlias: true,
  params: NftParams,
  responses: {
    200: { description: 'Seen', json: okEnvelope('NftEnvelope', 'An NFT', NftResult) },
    400: BadRequest,
    404: NotFound,
    ...publicErrors,
  },
});

export const nftRoutes = [getNft] as const;
