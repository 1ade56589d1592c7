/**
 * Telling indexers about a new head: `PUT /announce` with the spec's message to every indexer
 * URL. An indexer that misses one is told by the next head's announce or by the announce cron,
 * which tells every indexer whose last announced head is not the current one; a failed announce
 * never holds up or fails publishing.
 */
import { CID } from 'multiformats/cid';
import type { AdChainStore, AnnounceLog, Announcer, ChainPosition, Clock } from '../ports.ts';
import { announceMessage } from './advertisement.ts';

export interface AnnouncePorts {
  chain: Pick<AdChainStore, 'head'>;
  announced: AnnounceLog;
  announcer: Announcer;
  clock: Clock;
}

export interface AnnounceSettings {
  /** Indexer URLs (IPNI_ANNOUNCE_URLS). */
  urls: readonly string[];
  /** Where the chain is fetched from: the publisher's HTTP multiaddrs (the gateway's). */
  addresses: readonly string[];
  peerId: string;
}

export interface AnnounceReport {
  head?: string;
  announced: string[];
  /** Indexers already told about this head. */
  current: string[];
  failed: { url: string; error: unknown }[];
}

/** go-libipni's rule: a URL without a path gets `/announce`; one with a path is used as is. */
export function announceEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/announce';
  return parsed.toString();
}

/** Announces `head` (default: the chain's head) to every indexer not told about it yet. */
export async function announceHead(
  ports: AnnouncePorts,
  settings: AnnounceSettings,
  head?: ChainPosition,
): Promise<AnnounceReport> {
  const report: AnnounceReport = { announced: [], current: [], failed: [] };
  if (settings.urls.length === 0) return report;
  let latest: ChainPosition | undefined;
  let told = new Map<string, string>();
  try {
    latest = head ?? (await ports.chain.head());
    if (!latest) return report;
    told = await ports.announced.announced(settings.urls);
  } catch (error) {
    // Without the log every indexer is told again (announcing twice is harmless); without
    // the head there is nothing to tell.
    if (!latest) return { ...report, failed: settings.urls.map((url) => ({ url, error })) };
  }
  const ad = latest.ad;
  report.head = ad;
  const body = announceMessage(CID.parse(ad), settings.addresses as string[], settings.peerId);
  await Promise.all(
    settings.urls.map(async (url) => {
      if (told.get(url) === ad) {
        report.current.push(url);
        return;
      }
      try {
        await ports.announcer.put(announceEndpoint(url), body);
        report.announced.push(url);
        await ports.announced.record(url, ad, ports.clock.now().toISOString());
      } catch (error) {
        report.failed.push({ url, error });
      }
    }),
  );
  return report;
}
