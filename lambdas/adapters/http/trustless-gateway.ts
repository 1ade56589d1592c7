/**
 * Trustless gateways over HTTP: `GET <gateway>/ipfs/<cid>?format=car` (the CAR of the whole DAG,
 * streamed). A 404 is "not found there"; any other failure is "unavailable" (the next gateway is
 * tried either way). Hosts that only the function itself should reach are refused: link-local
 * addresses (instance metadata) always, and loopback when running in Lambda (its runtime API
 * listens there).
 */
import type { TrustlessGateway } from '../../core/ports.ts';
import { describeNetworkError } from './client.ts';

export interface GatewayOptions {
  /** Refuse loopback hosts too (set in Lambda, where the runtime API listens on 127.0.0.1). */
  refuseLoopback: boolean;
}

const CAR_ACCEPT = 'application/vnd.ipld.car; version=1; order=dfs; dups=n';

export function httpTrustlessGateway(options: GatewayOptions): TrustlessGateway {
  return {
    async fetchCar(gateway, cid, signal) {
      const url = `${gateway.replace(/\/+$/, '')}/ipfs/${cid}?format=car&dag-scope=all`;
      const refused = refusedHost(new URL(url).hostname, options);
      if (refused) return { ok: false, error: { kind: 'unavailable', message: refused } };
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { accept: CAR_ACCEPT },
          signal,
          redirect: 'manual',
        });
        // Gateways redirect to subdomains (dweb.link): followed once, host checked again.
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          const next = new URL(location, url);
          const again = refusedHost(next.hostname, options);
          if (again) return { ok: false, error: { kind: 'unavailable', message: again } };
          response = await fetch(next, {
            headers: { accept: CAR_ACCEPT },
            signal,
            redirect: 'manual',
          });
        }
      } catch (error) {
        if (signal.aborted) throw error;
        return { ok: false, error: { kind: 'unavailable', message: describeNetworkError(error) } };
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return { ok: false, error: { kind: 'not-found', message: `answered ${response.status}` } };
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return {
          ok: false,
          error: { kind: 'unavailable', message: `answered ${response.status}` },
        };
      }
      return { ok: true, value: response.body as unknown as AsyncIterable<Uint8Array> };
    },
  };
}

function refusedHost(host: string, options: GatewayOptions): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (/^169\.254\./.test(bare) || /^fe[89ab][0-9a-f]:/.test(bare)) {
    return 'refused: a link-local address';
  }
  if (
    options.refuseLoopback &&
    (bare === 'localhost' || /^127\./.test(bare) || bare === '::1' || bare === '0.0.0.0')
  ) {
    return 'refused: a loopback address';
  }
  return undefined;
}
