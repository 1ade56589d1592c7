/**
 * The few multiaddrs pinstack reads and writes: HTTP(S) addresses of gateways, as the Pinning
 * Service API's `origins` and `delegates` carry them (`/dns/<host>/tcp/443/https`,
 * `/ip4/127.0.0.1/tcp/8080/http`, optionally `/p2p/<peer id>`), and URLs.
 */

const HOST_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);

/**
 * The HTTP origin (`https://host:port`) an origin hint names: an http(s) URL, or a multiaddr of
 * an HTTP(S) endpoint. Anything else (a libp2p swarm address, junk) is undefined.
 */
export function httpOriginOf(hint: string): string | undefined {
  if (/^https?:\/\//i.test(hint)) {
    try {
      const url = new URL(hint);
      return `${url.protocol}//${url.host}`;
    } catch {
      return undefined;
    }
  }
  const parts = hint.split('/');
  if (parts[0] !== '') return undefined;
  const [, hostProtocol, host, transport, port, ...rest] = parts;
  if (!hostProtocol || !HOST_PROTOCOLS.has(hostProtocol) || !host) return undefined;
  if (transport !== 'tcp' || !port || !/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return undefined;
  }
  // `/https`, `/tls/http` and `/http`, then only a peer id may follow.
  let scheme: 'http' | 'https';
  let tail: string[];
  if (rest[0] === 'https') [scheme, tail] = ['https', rest.slice(1)];
  else if (rest[0] === 'tls' && rest[1] === 'http') [scheme, tail] = ['https', rest.slice(2)];
  else if (rest[0] === 'http') [scheme, tail] = ['http', rest.slice(1)];
  else return undefined;
  if (tail.length > 0 && !(tail.length === 2 && tail[0] === 'p2p' && tail[1])) return undefined;
  const hostPart = hostProtocol === 'ip6' ? `[${host}]` : host;
  const defaultPort = scheme === 'https' ? '443' : '80';
  return `${scheme}://${hostPart}${port === defaultPort ? '' : `:${port}`}`;
}

/** The multiaddr of an http(s) URL's origin: `/dns/<host>/tcp/443/https`, `/ip4/…/http`. */
export function multiaddrOf(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
  const port = parsed.port || (scheme === 'https' ? '443' : '80');
  const host = parsed.hostname;
  const hostPart = /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
    ? `/ip4/${host}`
    : host.startsWith('[')
      ? `/ip6/${host.slice(1, -1)}`
      : `/dns/${host}`;
  return `${hostPart}/tcp/${port}/${scheme}`;
}

/**
 * The Pinning Service API's `delegates` for pinstack's gateway: its multiaddr ending in the
 * service's peer id (`/dns/<host>/tcp/443/https/p2p/<id>`).
 */
export function delegatesOf(gatewayUrl: string, peerId: string): string[] {
  return [`${multiaddrOf(gatewayUrl)}/p2p/${peerId}`];
}
