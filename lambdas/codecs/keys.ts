const blockPk = (multihash: Uint8Array) =>
  `BLOCK#${Buffer.from(multihash.buffer, multihash.byteOffset, multihash.byteLength).toString('base64url')}`;

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
  /** A block's place in one CAR: partition by multihash, one item per CAR holding it. */
  block: (multihash: Uint8Array, carCid: string) => ({
    pk: blockPk(multihash),
    sk: `CAR#${carCid}`,
  }),
  blockPk,
  /** The gsi2 entry of a CAR record: its content, by CAR CID. */
  carIndex: (carCid: string, cid: string) => ({ gsi2pk: `CAR#${carCid}`, gsi2sk: cid }),
  carIndexPk: (carCid: string) => `CAR#${carCid}`,
  deal: (cid: string, dealId: string) => ({ pk: `CONTENT#${cid}`, sk: `DEAL#${dealId}` }),
  /** A shard of the usage totals (lambdas/core/stats.ts). */
  statsShard: (shard: number) => ({ pk: 'STATS', sk: `SHARD#${String(shard).padStart(2, '0')}` }),
  stats: 'STATS',
  counter: (key: string) => ({ pk: `RATE#${key}`, sk: 'RATE' }),
  staged: (id: string) => ({ pk: `STAGED#${id}`, sk: 'STAGED' }),
  pendingPins: (status: string) => `PIN#${status}`,
  /** The gsi3 partition of failed pins the cron retries, by when. */
  retryDue: 'PIN#retry',
  /** The gsi1 partition of content pinned with one provider set (sorted names). */
  pinnedWith: (providerSet: string) => `PINNED#${providerSet}`,
  /** The gsi2 partition of a user's live pin requests of one CID. */
  cidPinRequests: (userId: string, cid: string) => `PINREQS#${userId}#${cid}`,
  pinRequest: (userId: string, created: string) => ({
    pk: `USER#${userId}`,
    sk: `PINREQ#${created}`,
  }),
  /** The gsi3 partition of deleted pin requests whose cleanup has not finished. */
  deletedPinRequests: 'PINREQ#deleted',
  providerSets: { pk: 'CONFIG#provider-sets', sk: 'CONFIG' },
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
  /** The IPNI advertisement chain: one item per position, zero-padded so they sort by number. */
  adChain: 'IPNI#CHAIN',
  adPosition: (seq: number) => ({ pk: 'IPNI#CHAIN', sk: `AD#${String(seq).padStart(12, '0')}` }),
  adPositionPrefix: 'AD#',
  /** Where a content's IPNI work was placed: `item` is `ADVERTISE#<carCid>` or `WITHDRAW#<id>`. */
  adWork: (content: string, item: string) => ({ pk: `IPNI#CTX#${content}`, sk: item }),
  adWorkPk: (content: string) => `IPNI#CTX#${content}`,
  adAnnounce: (url: string) => ({ pk: 'IPNI#ANNOUNCE', sk: `URL#${url}` }),
  /** Operational records share one partition, read by one query (status, /metrics). */
  ops: 'OPS',
  cronRun: (name: string) => ({ pk: 'OPS', sk: `CRON#${name}` }),
  queueProgress: (queue: string) => ({ pk: 'OPS', sk: `QUEUE#${queue}` }),
  /** The gsi3 partition of staged uploads still open, by expiry. */
  openStaged: 'STAGED#open',
} as const;

/** Sorts after every character a position can contain: makes `<= prefix + HIGH` inclusive. */
export const HIGH = '\uffff';
