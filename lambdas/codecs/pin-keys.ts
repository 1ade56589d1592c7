/** Key encoders of the pinning's and the jobs' items, apart from keys.ts so the API's public bundle leaves them out. */
export const pinKeys = {
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
  lease: (job: string) => ({ pk: `LEASE#${job}`, sk: 'LEASE' }),
} as const;
