/**
 * IPFS Cluster's REST API as a pinning provider: the DAG is pushed as one CAR
 * (`POST /add?format=car`, a single CAR with one root — a chunked upload's CARs are joined into
 * it), status read in batches (`GET /pins?cids=a,b,…`, an NDJSON stream of GlobalPinInfo),
 * unpinned with `DELETE /pins/{cid}`. Errors are `{"code","message"}`.
 */
import { CID } from 'multiformats/cid';
import type { PinProvider, ProviderAnswer, ProviderItem } from '../../core/ports.ts';
import {
  authorizationOf,
  errorText,
  multipartBody,
  parseJsonLines,
  providerFetch,
  unavailable,
} from './client.ts';
import { type ProviderOptions, PUSH_TIMEOUT_MS, STATUS_TIMEOUT_MS } from './kubo.ts';

/** CIDs per status request: nft.storage asked its cluster 120 at a time (URL length). */
const STATUS_BATCH = 100;

interface GlobalPinInfo {
  cid?: string | { '/': string };
  peer_map?: Record<string, { status?: string; error?: string }>;
}

const v1 = (cid: string) => CID.parse(cid).toV1().toString();
const cidOf = (info: GlobalPinInfo) => (typeof info.cid === 'string' ? info.cid : info.cid?.['/']);

/** A cluster pin from its peers' states (peers not allocated to it report `remote`). */
export function answerOf(info: GlobalPinInfo): ProviderAnswer {
  const peers = Object.values(info.peer_map ?? {}).filter((p) => p.status !== 'remote');
  const statuses = peers.map((p) => p.status ?? 'undefined');
  const failing = peers.find((p) => /error$/.test(p.status ?? ''));
  if (failing)
    return { status: 'failed', error: (failing.error || failing.status || 'error').slice(0, 300) };
  if (statuses.length > 0 && statuses.every((s) => s === 'pinned')) return { status: 'pinned' };
  if (
    statuses.some((s) => s === 'pinned' || s === 'pinning' || s === 'pin_queued' || s === 'queued')
  ) {
    return { status: 'pinning' };
  }
  return { status: 'absent' };
}

export function clusterProvider(options: ProviderOptions): PinProvider {
  const { name } = options;
  const base = options.url.replace(/\/+$/, '');
  const headers = async () => authorizationOf(await options.credential?.());

  const statusOf = async (items: ProviderItem[]) => {
    const answers = new Map<string, ProviderAnswer>();
    for (let i = 0; i < items.length; i += STATUS_BATCH) {
      const cids = items.slice(i, i + STATUS_BATCH).map((item) => item.cid);
      const response = await providerFetch(name, `${base}/pins?cids=${cids.join(',')}`, {
        headers: await headers(),
        timeoutMs: STATUS_TIMEOUT_MS,
      });
      // 204: the cluster tracks none of them.
      if (response.status !== 204) {
        if (!response.ok) throw unavailable(name, response, await errorText(response));
        for (const line of parseJsonLines(await response.text())) {
          const info = line as GlobalPinInfo;
          const cid = cidOf(info);
          if (cid) answers.set(v1(cid), answerOf(info));
        }
      }
      for (const cid of cids) if (!answers.has(cid)) answers.set(cid, { status: 'absent' });
    }
    return answers;
  };

  return {
    name,
    createsRequests: false,

    async pin(items) {
      for (const item of items) {
        const { contentType, body } = multipartBody([
          {
            field: 'file',
            filename: `${item.cid}.car`,
            type: 'application/vnd.ipld.car',
            open: () => item.car(),
          },
        ]);
        const query = new URLSearchParams({
          format: 'car',
          name: item.name ?? item.cid,
          'stream-channels': 'false',
        });
        const response = await providerFetch(name, `${base}/add?${query}`, {
          method: 'POST',
          headers: { ...(await headers()), 'content-type': contentType },
          body: body as unknown as RequestInit['body'],
          timeoutMs: PUSH_TIMEOUT_MS,
        });
        const text = await errorText(response);
        if (!response.ok) throw unavailable(name, response, text);
        // Errors after the first output arrive as a JSON error object in the stream.
        const failed = safeLines(text).find(
          (line) => typeof (line as { code?: unknown }).code === 'number',
        );
        if (failed)
          throw unavailable(name, response, String((failed as { message?: string }).message ?? ''));
      }
      return statusOf(items);
    },

    status: statusOf,

    async unpin(items) {
      for (const item of items) {
        const response = await providerFetch(name, `${base}/pins/${item.cid}`, {
          method: 'DELETE',
          headers: await headers(),
          timeoutMs: STATUS_TIMEOUT_MS,
        });
        // 404: the cluster does not track it (any more).
        if (response.ok || response.status === 404) continue;
        throw unavailable(name, response, await errorText(response));
      }
    },
  };
}

function safeLines(text: string): unknown[] {
  try {
    return parseJsonLines(text);
  } catch {
    return [];
  }
}
