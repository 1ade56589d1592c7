/**
 * Delegated routing (specs.ipfs.tech/routing/http-routing-v1): who provides a CID. pinstack
 * only ever names itself — a peer record with the gateway's addresses and the
 * `transport-ipfs-gateway-http` protocol — and only for a CID held here: one whose multihash is
 * a stored block (any CID version or codec of it), or an identity CID (its bytes are in the CID;
 * the gateway answers it without storage). Filtering follows IPIP-484.
 */
import { multiaddr } from '@multiformats/multiaddr';
import type { CID } from 'multiformats/cid';
import type { BlockPresence } from '../ports.ts';

export const GATEWAY_HTTP_PROTOCOL = 'transport-ipfs-gateway-http';

/** The routing API's peer schema. */
export interface PeerRecord {
  Schema: 'peer';
  ID: string;
  Addrs: string[];
  Protocols: string[];
}

export interface ProviderInfo {
  peerId: string;
  addresses: readonly string[];
}

/** IPIP-484 filters: lower-cased names; `!name` excludes. Undefined: no filter. */
export interface RoutingFilters {
  addrs?: string[];
  protocols?: string[];
}

const UNKNOWN = 'unknown';
const IDENTITY = 0x00;

export function providerRecord(provider: ProviderInfo): PeerRecord {
  return {
    Schema: 'peer',
    ID: provider.peerId,
    Addrs: [...provider.addresses],
    Protocols: [GATEWAY_HTTP_PROTOCOL],
  };
}

/** A comma-separated filter parameter as names (`,` and `%2C` both separate; case ignored). */
export function parseFilter(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

const protocolNames = (address: string) =>
  multiaddr(address)
    .getComponents()
    .map((component) => component.name.toLowerCase());

/**
 * IPIP-484 address filtering: an address passes when it carries none of the negated names and,
 * if any positive names are given, at least one of them. A record left with no address is
 * dropped (unless it had none to begin with and `unknown` is asked for).
 */
function filterAddrs(record: PeerRecord, names: string[]): PeerRecord | undefined {
  const positive = names.filter((n) => !n.startsWith('!') && n !== UNKNOWN);
  const negative = names.filter((n) => n.startsWith('!')).map((n) => n.slice(1));
  if (record.Addrs.length === 0) return names.includes(UNKNOWN) ? record : undefined;
  const kept = record.Addrs.filter((address) => {
    const protocols = protocolNames(address);
    if (negative.some((n) => protocols.includes(n))) return false;
    return positive.length === 0 || positive.some((n) => protocols.includes(n));
  });
  return kept.length > 0 ? { ...record, Addrs: kept } : undefined;
}

/** IPIP-484 protocol filtering: the record passes whole when it names any asked-for protocol. */
function filterProtocols(record: PeerRecord, names: string[]): PeerRecord | undefined {
  if (record.Protocols.length === 0) return names.includes(UNKNOWN) ? record : undefined;
  const offered = record.Protocols.map((p) => p.toLowerCase());
  return names.some((n) => offered.includes(n)) ? record : undefined;
}

export function applyFilters(record: PeerRecord, filters: RoutingFilters): PeerRecord | undefined {
  let result: PeerRecord | undefined = record;
  if (result && filters.protocols) result = filterProtocols(result, filters.protocols);
  if (result && filters.addrs) result = filterAddrs(result, filters.addrs);
  return result;
}

/** The providers of `cid`: this one, when the CID is held here and passes the filters. */
export async function findProviders(
  cid: CID,
  filters: RoutingFilters,
  ports: { blocks: BlockPresence },
  provider: ProviderInfo,
): Promise<PeerRecord[]> {
  const held = cid.multihash.code === IDENTITY || (await ports.blocks.has(cid.multihash.bytes));
  if (!held) return [];
  const record = applyFilters(providerRecord(provider), filters);
  return record ? [record] : [];
}
