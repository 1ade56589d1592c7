/** Key encoders of the IPNI items, apart from keys.ts so the API's bundles leave them out. */
export const ipniKeys = {
  /** The IPNI advertisement chain: one item per position, zero-padded so they sort by number. */
  adChain: 'IPNI#CHAIN',
  adPosition: (seq: number) => ({ pk: 'IPNI#CHAIN', sk: `AD#${String(seq).padStart(12, '0')}` }),
  adPositionPrefix: 'AD#',
  /** Where a content's IPNI work was placed: `item` is `ADVERTISE#<carCid>` or `WITHDRAW#<id>`. */
  adWork: (content: string, item: string) => ({ pk: `IPNI#CTX#${content}`, sk: item }),
  adWorkPk: (content: string) => `IPNI#CTX#${content}`,
  adAnnounce: (url: string) => ({ pk: 'IPNI#ANNOUNCE', sk: `URL#${url}` }),
} as const;
