/** Announces over HTTP: `PUT` of the JSON announce message; an indexer answers 200 or 204. */
import type { Announcer } from '../../core/ports.ts';

/** An indexer slower than this is retried by the next head or the cron, not waited for. */
export const ANNOUNCE_TIMEOUT_MS = 5_000;

export function httpAnnouncer(options: { timeoutMs?: number; userAgent?: string } = {}): Announcer {
  return {
    async put(url, body) {
      const response = await fetch(url, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent ?? 'pinstack',
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? ANNOUNCE_TIMEOUT_MS),
      });
      const text = await response.text().catch(() => '');
      if (response.status !== 200 && response.status !== 204) {
        throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
      }
    },
  };
}
