/**
 * A remote IPFS Pinning Service API (Pinata, Filebase, another pinstack) as a provider: it is
 * asked to pin by CID (`POST /pins {cid, name, origins}`, pinstack's gateway as the origin),
 * each pin's status is polled in batches (`GET /pins?cid=a,b,…&status=…`, 10 CIDs at a time),
 * and it is unpinned by request id (`DELETE /pins/{requestid}`). Each POST creates a request, so
 * the pin worker claims a pin before asking, and keeps the request id it gets.
 */
import { CID } from 'multiformats/cid';
import { delegatesOf } from '../../codecs/multiaddr.ts';
import { servicePeerId } from '../../codecs/peer-id.ts';
import type { PinProvider, ProviderAnswer } from '../../core/ports.ts';
import { authorizationOf, errorText, isRetryable, providerFetch, unavailable } from './client.ts';
import { type ProviderOptions, STATUS_TIMEOUT_MS } from './kubo.ts';

/** The spec's cap on CIDs per `GET /pins?cid=`. */
const CID_FILTER = 10;
const ALL_STATUSES = 'queued,pinning,pinned,failed';

interface RemotePinStatus {
  requestid?: string;
  status?: string;
  pin?: { cid?: string };
  info?: Record<string, string>;
}

const v1 = (cid: string) => CID.parse(cid).toV1().toString();

function answerOf(status: RemotePinStatus): ProviderAnswer {
  const known = ['queued', 'pinning', 'pinned', 'failed'] as const;
  const state = known.find((s) => s === status.status) ?? 'pinning';
  const size = Number(status.info?.dag_size);
  return {
    status: state,
    ...(status.requestid ? { requestId: status.requestid } : {}),
    ...(Number.isSafeInteger(size) && size >= 0 && status.info?.dag_size ? { size } : {}),
    ...(state === 'failed'
      ? { error: (status.info?.status_details ?? 'failed').slice(0, 300) }
      : {}),
  };
}

/** The origins a remote service may fetch from: gateway URLs as multiaddrs with a peer id. */
function originsOf(origins: readonly string[]): string[] {
  return origins.flatMap((origin) =>
    /^https?:\/\//.test(origin)
      ? delegatesOf(origin, servicePeerId(new URL(origin).host))
      : [origin],
  );
}

export function pinningServiceProvider(options: ProviderOptions): PinProvider {
  const { name } = options;
  const base = options.url.replace(/\/+$/, '');
  const headers = async () => ({
    ...authorizationOf(await options.credential?.()),
    accept: 'application/json',
  });

  return {
    name,
    createsRequests: true,

    async pin(items, origins) {
      const answers = new Map<string, ProviderAnswer>();
      for (const item of items) {
        const response = await providerFetch(name, `${base}/pins`, {
          method: 'POST',
          headers: { ...(await headers()), 'content-type': 'application/json' },
          body: JSON.stringify({
            cid: item.cid,
            ...(item.name ? { name: item.name.slice(0, 255) } : {}),
            ...(origins.length > 0 ? { origins: originsOf(origins) } : {}),
          }),
          timeoutMs: STATUS_TIMEOUT_MS,
        });
        if (response.ok) {
          answers.set(item.cid, answerOf((await response.json()) as RemotePinStatus));
          continue;
        }
        const text = await errorText(response);
        if (isRetryable(response.status)) throw unavailable(name, response, text);
        // Refused for this pin (a bad request): a retry cannot change that.
        answers.set(item.cid, {
          status: 'failed',
          error: `refused (HTTP ${response.status}): ${reasonOf(text)}`,
        });
      }
      return answers;
    },

    async status(items) {
      const answers = new Map<string, ProviderAnswer>();
      const byCid = new Map(items.map((item) => [item.cid, item]));
      const cids = [...byCid.keys()];
      for (let i = 0; i < cids.length; i += CID_FILTER) {
        const batch = cids.slice(i, i + CID_FILTER);
        const query = new URLSearchParams({
          cid: batch.join(','),
          status: ALL_STATUSES,
          limit: '1000',
        });
        const response = await providerFetch(name, `${base}/pins?${query}`, {
          headers: await headers(),
          timeoutMs: STATUS_TIMEOUT_MS,
        });
        if (!response.ok) throw unavailable(name, response, await errorText(response));
        const body = (await response.json()) as { results?: RemotePinStatus[] };
        for (const result of body.results ?? []) {
          const cid = result.pin?.cid;
          if (!cid) continue;
          const key = v1(cid);
          const wanted = byCid.get(key)?.requestId;
          // Several requests may pin one CID: ours is the one with our request id.
          if (wanted && result.requestid !== wanted) continue;
          answers.set(key, answerOf(result));
        }
      }
      for (const cid of cids) if (!answers.has(cid)) answers.set(cid, { status: 'absent' });
      return answers;
    },

    async unpin(items) {
      for (const item of items) {
        if (!item.requestId) continue;
        const response = await providerFetch(
          name,
          `${base}/pins/${encodeURIComponent(item.requestId)}`,
          {
            method: 'DELETE',
            headers: await headers(),
            timeoutMs: STATUS_TIMEOUT_MS,
          },
        );
        if (response.ok || response.status === 404) continue;
        throw unavailable(name, response, await errorText(response));
      }
    },
  };
}

/** The `reason` (and `details`) of a Failure body, or the text itself. */
function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { reason?: string; details?: string } };
    if (body.error?.reason) {
      return body.error.details ? `${body.error.reason}: ${body.error.details}` : body.error.reason;
    }
  } catch {}
  return text.slice(0, 200);
}
