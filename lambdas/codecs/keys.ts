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
  lease: (name: string) => ({ pk: `LEASE#${name}`, sk: 'LEASE' }),
  providerSets: { pk: 'CONFIG#provider-sets', sk: 'CONFIG' },
  /** The gsi3 partition of holds not confirmed by their upload yet. */
  unconfirmedHolders: 'HOLD#unconfirmed',
  unpinDue: 'UNPIN',
} as const;

/** Sorts after every character a position can contain: makes `<= prefix + HIGH` inclusive. */
export const HIGH = '\uffff';
