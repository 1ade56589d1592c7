/**
 * The scraper's pin requests: each CID found becomes a pin by CID of the scraper's system user
 * (requestPinByCid: an upload of the CID, counted once like any content, with its fetch
 * queued). A CID asked for once is remembered, so later runs that meet it again skip it; it is
 * remembered after its request, so a crash in between asks again (requestPinByCid is
 * idempotent) rather than never.
 */
import { type PinByCidPorts, requestPinByCid } from '../pin-by-cid.ts';
import type { PinRequest, PinRequester } from '../ports.ts';
import { mapLimit } from './concurrency.ts';

/** Pin-by-CID requests made at once. */
const PIN_REQUESTS_IN_FLIGHT = 16;

/** The user scraper pins belong to. Outside USER_ID_PATTERN, so no token can be made for it. */
export const SCRAPER_USER_ID = 'system:scraper';

/** The CIDs the scraper has asked to pin before. */
export interface AskedPinStore {
  /** Which of these CIDs were asked for before. */
  asked(cids: string[]): Promise<Set<string>>;
  remember(requests: PinRequest[], now: string): Promise<void>;
}

export function scraperPinRequester(ports: PinByCidPorts & { asked: AskedPinStore }): PinRequester {
  return {
    async requestPins(requests) {
      // The first request of a CID names its pin.
      const byCid = new Map<string, PinRequest>();
      for (const request of requests) if (!byCid.has(request.cid)) byCid.set(request.cid, request);
      if (byCid.size === 0) return;
      const asked = await ports.asked.asked([...byCid.keys()]);
      const fresh = [...byCid.values()].filter((request) => !asked.has(request.cid));
      // Each request is a handful of writes one after another; different CIDs touch different
      // items, so several go at once (a collection with a CID per token has thousands).
      await mapLimit(fresh, PIN_REQUESTS_IN_FLIGHT, async ({ cid, name, origins, meta }) => {
        const requested = await requestPinByCid(ports, {
          userId: SCRAPER_USER_ID,
          cid,
          name,
          origins,
          meta,
        });
        // The scraper hands over CIDv1s it parsed itself: a refusal is a bug, not bad input.
        if (!requested.ok) throw new Error(`pin by CID refused ${cid}: ${requested.error.message}`);
      });
      if (fresh.length > 0) await ports.asked.remember(fresh, ports.clock.now().toISOString());
    },
  };
}
