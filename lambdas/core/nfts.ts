/**
 * "Is this NFT's data stored?": the token the scraper recorded, with the pin of every CID
 * found for it. Kept apart from the scraper so the public read function carries no chain code.
 */
import type { NftView } from '../../contract/nfts.ts';
import type { NftKey } from '../codecs/nft.ts';
import { failure, type NotFound } from './failures.ts';
import type { ContentStore, NftStore } from './ports.ts';
import { err, ok, type Result } from './result.ts';

export type { NftView } from '../../contract/nfts.ts';

const NFT_NOT_FOUND = failure.notFound('NFT not found');

export async function nftStatus(
  key: NftKey,
  ports: { nfts: Pick<NftStore, 'get'>; contents: Pick<ContentStore, 'getMany'> },
): Promise<Result<NftView, NotFound>> {
  const record = await ports.nfts.get(key);
  if (!record) return err(NFT_NOT_FOUND);
  const contents =
    record.cids.length > 0
      ? await ports.contents.getMany(record.cids.map((at) => at.cid))
      : new Map();
  return ok({
    chainId: record.chainId,
    contract: record.contract,
    tokenId: record.tokenId,
    tokenURI: record.tokenURI,
    uriStatus: record.uriStatus,
    ...(record.uriReason ? { uriReason: record.uriReason } : {}),
    metadataStatus: record.metadataStatus,
    ...(record.metadataReason ? { metadataReason: record.metadataReason } : {}),
    cids: record.cids.map((at) => {
      const content = contents.get(at.cid);
      // A CID asked for and not fetched yet has no content record: its pin is still queued.
      return {
        cid: at.cid,
        path: at.path,
        source: at.source,
        pin: { status: content?.pinStatus ?? 'queued', size: content?.size ?? 0 },
      };
    }),
    ...(record.history?.length ? { history: record.history } : {}),
    updated: record.updated,
  });
}
