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
  /** The gsi3 partition of holds not confirmed by their upload yet. */
  unconfirmedHolders: 'HOLD#unconfirmed',
  unpinDue: 'UNPIN',
  /** Operational records share one partition, read by one query (status, /metrics). */
  ops: 'OPS',
  cronRun: (name: string) => ({ pk: 'OPS', sk: `CRON#${name}` }),
  queueProgress: (queue: string) => ({ pk: 'OPS', sk: `QUEUE#${queue}` }),
  /** The gsi3 partition of staged uploads still open, by expiry. */
  openStaged: 'STAGED#open',
} as const;

/** Sorts after every character a position can contain: makes `<= prefix + HIGH` inclusive. */
export const HIGH = '\uffff';
