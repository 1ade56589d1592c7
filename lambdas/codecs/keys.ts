/** Key encoders for the single table (see lib/tables.ts for the item families). */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  token: (tokenId: string) => ({ pk: `TOKEN#${tokenId}`, sk: 'TOKEN' }),
  userTokens: (userId: string) => `USER#${userId}#TOKENS`,
  upload: (userId: string, cid: string) => ({ pk: `USER#${userId}`, sk: `UPLOAD#${cid}` }),
  userUploads: (userId: string) => `USER#${userId}#UPLOADS`,
  tokenUploads: (tokenId: string) => `TOKEN#${tokenId}#UPLOADS`,
  /** Sort key of an upload in the listing indexes: unique per user, ordered by time. */
  uploadPosition: (created: string, cid: string) => `${created}#${cid}`,
  content: (cid: string) => ({ pk: `CONTENT#${cid}`, sk: 'CONTENT' }),
  contentPk: (cid: string) => `CONTENT#${cid}`,
  contentCar: (cid: string, carCid: string) => ({
    pk: `CONTENT#${cid}`,
    sk: `CAR#${carCid}`,
  }),
  holder: (cid: string, holder: string) => ({
    pk: `CONTENT#${cid}`,
    sk: `HOLDER#${holder}`,
  }),
  counter: (key: string) => ({ pk: `RATE#${key}`, sk: 'RATE' }),
  staged: (id: string) => ({ pk: `STAGED#${id}`, sk: 'STAGED' }),
  pendingPins: (status: string) => `PIN#${status}`,
  /** Tokens of one contract, ordered by id (`tokenIdKey`). */
  contractTokens: (chainId: number, contract: string) => `NFT#${chainId}#${contract}`,
  chainToken: (chainId: number, contract: string, tokenIdKey: string) => ({
    pk: `NFT#${chainId}#${contract}`,
    sk: `TOKEN#${tokenIdKey}`,
  }),
  chainCursor: (chainId: number) => ({ pk: `CHAIN#${chainId}`, sk: 'CURSOR' }),
  lease: (job: string) => ({ pk: `LEASE#${job}`, sk: 'LEASE' }),
  scraperPin: (cid: string) => ({ pk: `SCRAPED#${cid}`, sk: 'PIN' }),
  /** The gsi3 partition of tokens whose metadata waits to be fetched. */
  metadataDue: 'META#due',
  /** The gsi3 partition of holds not confirmed by their upload yet. */
  unconfirmedHolders: 'HOLD#unconfirmed',
  unpinDue: 'UNPIN',
} as const;

/** Sorts after every character a position can contain: makes `<= prefix + HIGH` inclusive. */
export const HIGH = '\uffff';
