/**
 * THE SEAM to pin-by-CID. Until the pins feature's `requestPinByCid` is on main, the
 * scraper's pin requests are kept here: one row per CID (`SCRAPED#<cid>` / `PIN`, naming the
 * system user and the first token that asked), and one `{op:'pin', cid}` message on the pin
 * queue for each CID not asked for before. The message goes first and the row after it, so a
 * crash between them sends the message again instead of never.
 *
 * Wiring to requestPinByCid replaces only this file's body: for each request not already
 * asked for, call `requestPinByCid(ports, { userId: SCRAPER_USER_ID, cid, name, origins, meta })`
 * (an upload of the CID for the system user, recorded idempotently and counted once like any
 * content, with the fetch enqueued), then write the row as here to skip it next time.
 */
import { keys } from '../codecs/keys.ts';
import type { MessageQueue, PinMessage, PinRequest, PinRequester } from '../core/ports.ts';
import { batchGet, batchPut, type TableContext } from './dynamodb/table.ts';

/** The user scraper pins belong to. Outside USER_ID_PATTERN, so no token can be made for it. */
export const SCRAPER_USER_ID = 'system:scraper';

const GET_BATCH = 100;
const PUT_BATCH = 25;

export function scraperPinRequester(
  table: TableContext,
  pinQueue: MessageQueue<PinMessage>,
  now: () => Date = () => new Date(),
): PinRequester {
  return {
    async requestPins(requests) {
      if (requests.length === 0) return;
      // The first request of a CID names its pin.
      const byCid = new Map<string, PinRequest>();
      for (const request of requests) if (!byCid.has(request.cid)) byCid.set(request.cid, request);
      const unique = [...byCid.values()];
      const asked = new Set<string>();
      for (let i = 0; i < unique.length; i += GET_BATCH) {
        const rows = await batchGet(
          table,
          unique.slice(i, i + GET_BATCH).map((request) => keys.scraperPin(request.cid)),
        );
        for (const row of rows) asked.add(String(row.cid));
      }
      const fresh = unique.filter((request) => !asked.has(request.cid));
      if (fresh.length === 0) return;
      await pinQueue.sendMany(fresh.map((request) => ({ op: 'pin', cid: request.cid })));
      const requested = now().toISOString();
      for (let i = 0; i < fresh.length; i += PUT_BATCH) {
        await batchPut(
          table,
          fresh.slice(i, i + PUT_BATCH).map((request) => ({
            ...keys.scraperPin(request.cid),
            ...request,
            userId: SCRAPER_USER_ID,
            requested,
          })),
        );
      }
    },
  };
}
