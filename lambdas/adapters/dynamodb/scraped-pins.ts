/**
 * The CIDs the chain scraper asked to pin: one row per CID (`SCRAPED#<cid>` / `PIN`), naming
 * the system user and the first token that asked.
 */

import { chainKeys } from '../../codecs/chain-keys.ts';
import { chunksOf, mapLimit } from '../../core/chain/concurrency.ts';
import { type AskedPinStore, SCRAPER_USER_ID } from '../../core/chain/pin-requests.ts';
import { batchGet, batchPut, type TableContext } from './table.ts';

const GET_BATCH = 100;
const PUT_BATCH = 25;
const IN_FLIGHT = 4;

export function dynamoAskedPinStore(table: TableContext): AskedPinStore {
  return {
    async asked(cids) {
      const rows = await mapLimit(chunksOf(cids, GET_BATCH), IN_FLIGHT, (chunk) =>
        batchGet(table, chunk.map(chainKeys.scraperPin)),
      );
      return new Set(rows.flat().map((row) => String(row.cid)));
    },
    async remember(requests, now) {
      await mapLimit(chunksOf(requests, PUT_BATCH), IN_FLIGHT, (chunk) =>
        batchPut(
          table,
          chunk.map((request) => ({
            ...chainKeys.scraperPin(request.cid),
            ...request,
            userId: SCRAPER_USER_ID,
            requested: now,
          })),
        ),
      );
    },
  };
}
