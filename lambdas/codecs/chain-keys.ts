/** Key encoders of the chain scraper's items, apart from keys.ts so the API's bundles leave them out. */
export const chainKeys = {
  /** Tokens of one contract, ordered by id (`tokenIdKey`). */
  contractTokens: (chainId: number, contract: string) => `NFT#${chainId}#${contract}`,
  /** A page of a contract's tokens (`tokenIdKey` of the page's number). */
  tokenPage: (chainId: number, contract: string, pageKey: string) => ({
    pk: `NFT#${chainId}#${contract}`,
    sk: `PAGE#${pageKey}`,
  }),
  /** A record too large to share its page, stored alone. */
  chainToken: (chainId: number, contract: string, tokenIdKey: string) => ({
    pk: `NFT#${chainId}#${contract}`,
    sk: `TOKEN#${tokenIdKey}`,
  }),
  chainCursor: (chainId: number) => ({ pk: `CHAIN#${chainId}`, sk: 'CURSOR' }),
  scraperPin: (cid: string) => ({ pk: `SCRAPED#${cid}`, sk: 'PIN' }),
  /** The gsi3 partition of tokens whose metadata waits to be fetched. */
  metadataDue: 'META#due',
} as const;
