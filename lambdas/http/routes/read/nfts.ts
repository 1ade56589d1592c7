/**
 * GET /nfts/{chainId}/{contract}/{tokenId}: is this NFT's data stored? Public (no token), but
 * served by api-read, so the checker's function (api-public) stays small.
 */
import { getNft } from '../../../../contract/nfts.ts';
import { parseAddress, parseChainId, parseTokenId } from '../../../codecs/nft.ts';
import { expectOk, FailureError, failure } from '../../../core/failures.ts';
import { nftStatus } from '../../../core/nfts.ts';
import type { ReadDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';

const implement = implementer<ReadDeps>();

export const nftReadRoutes = [
  implement(getNft, async ({ params }, { deps }) => {
    const chainId = parseChainId(params.chainId);
    const contract = parseAddress(params.contract);
    const tokenId = parseTokenId(params.tokenId);
    // The contract checked their forms; a number past uint256 is what its schema cannot say.
    if (tokenId === undefined) {
      throw new FailureError(failure.invalidRequest('tokenId must be at most 2^256 - 1'));
    }
    if (chainId === undefined || contract === undefined) {
      throw new FailureError(failure.invalidRequest('invalid params: chainId, contract'));
    }
    return {
      status: 200,
      body: okBody(expectOk(await nftStatus({ chainId, contract, tokenId }, deps.ports))),
    };
  }),
];
