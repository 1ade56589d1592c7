/**
 * What the Pinning Service API routes share: the delegates every pin object names (pinstack's
 * gateway) and the reading of `GET /pins` filters the contract leaves as text.
 */
import * as z from 'zod/mini';
import { type ListPinsQuery, MAX_META_KEYS } from '../../contract/pins.ts';
import { delegatesOf } from '../codecs/multiaddr.ts';
import { servicePeerId } from '../codecs/peer-id.ts';
import { FailureError, failure } from '../core/failures.ts';
import type { ListPinsRequest, PinView } from '../core/pinning-service.ts';
import type { PinStatus } from '../core/ports.ts';
import type { ApiRequest } from './router.ts';

/**
 * Where pinstack's gateway is: GATEWAY_PUBLIC_URL, or — until a deployment sets it — the
 * origin the request came to.
 */
export function gatewayUrlOf(request: ApiRequest, configured: string | undefined): string {
  if (configured) return configured;
  const host = request.headers.host ?? request.event.requestContext?.domainName ?? 'localhost';
  const local = /^(127\.|localhost|\[::1\])/.test(host);
  const scheme = request.headers['x-forwarded-proto'] ?? (local ? 'http' : 'https');
  return `${scheme}://${host}`;
}

/**
 * The delegates: the gateway's address with the provider's peer ID (PROVIDER_PEER_ID), or a
 * stand-in derived from the gateway's host where no identity is bound.
 */
export function pinViewOf(
  request: ApiRequest,
  settings: { GATEWAY_PUBLIC_URL?: string | undefined; PROVIDER_PEER_ID?: string | undefined },
): PinView {
  const url = gatewayUrlOf(request, settings.GATEWAY_PUBLIC_URL);
  const peerId = settings.PROVIDER_PEER_ID ?? servicePeerId(new URL(url).host);
  return { delegates: delegatesOf(url, peerId) };
}

const MetaObject = z
  .record(z.string(), z.string())
  .check(z.refine((meta) => Object.keys(meta).length <= MAX_META_KEYS));

/** The validated query as the core's request: lists split, `meta` read as JSON or pairs. */
export function listRequestOf(query: ListPinsQuery, raw: ApiRequest['query']): ListPinsRequest {
  const meta: Record<string, string> = {};
  if (query.meta !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(query.meta);
    } catch {
      parsed = undefined;
    }
    const checked = z.safeParse(MetaObject, parsed);
    if (!checked.success) {
      throw new FailureError(
        failure.invalidRequest('invalid params: meta: must be a JSON object of strings'),
      );
    }
    Object.assign(meta, checked.data);
  }
  // The JS client sends deep-object pairs: meta[app_id]=...
  for (const [name, value] of Object.entries(raw)) {
    const key = /^meta\[(.+)\]$/.exec(name)?.[1];
    if (key !== undefined && value !== undefined) meta[key] = value;
  }
  return {
    ...(query.cid ? { cids: [...new Set(query.cid.split(','))] } : {}),
    ...(query.name !== undefined ? { name: query.name } : {}),
    match: query.match,
    ...(query.status ? { statuses: [...new Set(query.status.split(','))] as PinStatus[] } : {}),
    ...(query.before ? { before: query.before } : {}),
    ...(query.after ? { after: query.after } : {}),
    limit: query.limit,
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  };
}
