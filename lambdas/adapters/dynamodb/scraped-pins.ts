/**
 * The CIDs the chain scraper asked to pin: one row per CID (`SCRAPED#<cid>` / `PIN`), naming
 * the system user and the first token that asked.
 */

import { chainKeys } from '../../codecs/chain-keys.ts';
import { type AskedPinStore, SCRAPER_USER_ID } from '../../core/chain/pin-requests.ts';
import { batchGet, batchPut, type TableContext } from './table.ts';

const GET_BATCH = 100;
const PUT_BATCH = 25;

export function dynamoAskedPinStore(table: TableContext): AskedPinStore {
  return {
    async asked(cids) {
      const asked = new Set<string>();
      for (let i = 0; i < cids.length; i += GET_BATCH) {
        const rows = await batchGet(table, cids.slice(i, i + GET_BATCH).map(chainKeys.scraperPin));
        for (const row of rows) asked.add(String(row.cid));
      }
      return asked;
    },
    async remember(requests, now) {
      for (let i = 0; i < requests.length; i += PUT_BATCH) {
        await batchPut(
          table,
          requests.slice(i, i + PUT_BATCH).map((request) => ({
            ...chainKeys.scraperPin(request.cid),
            ...request,
            userId: SCRAPER_USER_ID,
            requested: now,
          })),
        );
      }
    },
  };
}
