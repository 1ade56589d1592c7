/**
 * Kubo's RPC API as a pinning provider: the CAR is pushed (`/api/v0/dag/import`, streamed from
 * the carpark, several contents in one request) and its root pinned as it lands; status comes
 * from `pin/ls` and size from `dag/stat`. Every RPC call is a POST; errors are 500 with
 * `{"Message","Code","Type"}`.
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

export interface ProviderOptions {
  name: string;
  url: string;
  /** The credential's value (see PIN_PROVIDERS), resolved when first needed. */
  credential?: () => Promise<string | undefined>;
}

/** A push may carry a large DAG; a status request should answer at once. */
export const PUSH_TIMEOUT_MS = 10 * 60_000;
export const STATUS_TIMEOUT_MS = 30_000;

const v1 = (cid: string) => CID.parse(cid).toV1().toString();

export function kuboProvider(options: ProviderOptions): PinProvider {
  const { name } = options;
  const base = options.url.replace(/\/+$/, '');
  const rpc = async (
    command: string,
    params: [string, string][],
    init: { body?: AsyncIterable<Uint8Array>; contentType?: string; timeoutMs?: number } = {},
  ) => {
    const query = new URLSearchParams(params);
    return providerFetch(name, `${base}/api/v0/${command}?${query}`, {
      method: 'POST',
      headers: {
        ...authorizationOf(await options.credential?.()),
        ...(init.contentType ? { 'content-type': init.contentType } : {}),
      },
      ...(init.body ? { body: init.body as unknown as RequestInit['body'] } : {}),
      timeoutMs: init.timeoutMs ?? STATUS_TIMEOUT_MS,
    });
  };

  /** The recursive pins among `cids`: pin/ls fails on the first that is not pinned, so a
   * failed batch is asked about one by one. */
  const pinned = async (cids: string[]): Promise<Set<string>> => {
    const response = await rpc('pin/ls', [
      ['type', 'recursive'],
      ...cids.map((c): [string, string] => ['arg', c]),
    ]);
    if (response.ok) {
      const body = (await response.json()) as { Keys?: Record<string, unknown> };
      return new Set(Object.keys(body.Keys ?? {}).map(v1));
    }
    const text = await errorText(response);
    if (response.status !== 500 || !/not pinned/.test(text))
      throw unavailable(name, response, text);
    if (cids.length === 1) return new Set();
    const found = new Set<string>();
    for (const cid of cids) for (const hit of await pinned([cid])) found.add(hit);
    return found;
  };

  const sizes = async (cids: string[]): Promise<Map<string, number>> => {
    if (cids.length === 0) return new Map();
    const response = await rpc('dag/stat', [
      ['progress', 'false'],
      ...cids.map((c): [string, string] => ['arg', c]),
    ]);
    if (!response.ok) return new Map();
    const body = (await response.json()) as {
      DagStats?: { Cid?: string | { '/': string }; Size?: number }[];
    };
    const found = new Map<string, number>();
    for (const stat of body.DagStats ?? []) {
      // A plain string in Kubo 0.43; the dag-json link form in some versions.
      const cid = typeof stat.Cid === 'string' ? stat.Cid : stat.Cid?.['/'];
      if (cid && typeof stat.Size === 'number') found.set(v1(cid), stat.Size);
    }
    return found;
  };

  const statusOf = async (items: ProviderItem[]) => {
    const cids = items.map((item) => item.cid);
    const have = await pinned(cids);
    const size = await sizes([...have]);
    return new Map<string, ProviderAnswer>(
      cids.map((cid) => {
        const answer: ProviderAnswer = have.has(cid)
          ? { status: 'pinned', ...(size.has(cid) ? { size: size.get(cid) } : {}) }
          : { status: 'absent' };
        return [cid, answer];
      }),
    );
  };

  return {
    name,
    createsRequests: false,

    async pin(items) {
      if (items.length === 0) return new Map();
      const { contentType, body } = multipartBody(
        items.map((item) => ({
          field: 'file',
          filename: `${item.cid}.car`,
          type: 'application/vnd.ipld.car',
          open: () => item.car(),
        })),
      );
      const response = await rpc(
        'dag/import',
        [
          ['pin-roots', 'true'],
          ['stats', 'false'],
        ],
        {
          body,
          contentType,
          timeoutMs: PUSH_TIMEOUT_MS,
        },
      );
      if (!response.ok) throw unavailable(name, response, await errorText(response));
      const answers = new Map<string, ProviderAnswer>();
      for (const line of parseJsonLines(await response.text())) {
        const root = (line as { Root?: { Cid?: { '/': string }; PinErrorMsg?: string } }).Root;
        const cid = root?.Cid?.['/'];
        if (!cid) continue;
        answers.set(
          v1(cid),
          root.PinErrorMsg
            ? { status: 'failed', error: root.PinErrorMsg.slice(0, 300) }
            : { status: 'pinned' },
        );
      }
      const size = await sizes(
        [...answers].filter(([, a]) => a.status === 'pinned').map(([c]) => c),
      );
      for (const item of items) {
        const answer = answers.get(item.cid);
        if (!answer) answers.set(item.cid, { status: 'absent' });
        else if (size.has(item.cid)) answer.size = size.get(item.cid);
      }
      return answers;
    },

    status: statusOf,

    async unpin(items) {
      for (const item of items) {
        const response = await rpc('pin/rm', [
          ['arg', item.cid],
          ['recursive', 'true'],
        ]);
        if (response.ok) continue;
        const text = await errorText(response);
        // Not pinned (any more): what an unpin wants.
        if (response.status === 500 && /not pinned/.test(text)) continue;
        throw unavailable(name, response, text);
      }
    },
  };
}
