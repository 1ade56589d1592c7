/**
 * The provider's identity: the libp2p Ed25519 key pinstack signs IPNI advertisements with, the
 * peer ID clients and indexers know it by, and its addresses — the gateway's public URL written
 * as multiaddrs.
 *
 * The key's text form (a Secrets Manager secret on AWS, a file in the data dir locally) is one
 * of two things:
 * - a libp2p protobuf private key in base64 (Kubo's `Identity.PrivKey`, `CAES…` for Ed25519):
 *   an existing identity brought along;
 * - any other text of at least 32 characters (the stack's secret: 64 random characters that
 *   Secrets Manager generates, so no code ever writes the key): the Ed25519 seed is its SHA-256.
 */
import {
  generateKeyPair,
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
} from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { sha256 } from 'multiformats/hashes/sha2';
import { multiaddrOf } from '../../codecs/multiaddr.ts';

/** An Ed25519 private key (the one key type the provider takes). */
export type ProviderKey = Extract<ReturnType<typeof privateKeyFromProtobuf>, { type: 'Ed25519' }>;

export interface ProviderIdentity {
  key: ProviderKey;
  /** Base58btc (`12D3KooW…`), the form IPNI and the routing API's clients take. */
  peerId: string;
}

export class ProviderIdentityError extends Error {
  override name = 'ProviderIdentityError';
}

/** Shortest seed text taken: 32 characters of any kind is far past guessing. */
export const MIN_SEED_TEXT = 32;

/** Base64 of a libp2p protobuf private key: field 1 (the key type, 0–3), then field 2. */
const PROTOBUF_BASE64 = /^CA[AEIM]S[A-Za-z0-9+/]+={0,2}$/;

/** The identity a key's text form stands for. */
export async function providerIdentity(text: string): Promise<ProviderIdentity> {
  const trimmed = text.trim();
  let key: ProviderKey;
  if (PROTOBUF_BASE64.test(trimmed)) {
    const parsed = privateKeyFromProtobuf(Buffer.from(trimmed, 'base64'));
    // Ed25519 only: its public key fits in the peer ID, so anyone can check a signature from
    // the ID alone (the routing spec asks for inlined keys).
    if (parsed.type !== 'Ed25519') {
      throw new ProviderIdentityError(`the provider key must be Ed25519, not ${parsed.type}`);
    }
    key = parsed;
  } else if (trimmed.length >= MIN_SEED_TEXT) {
    const seed = await sha256.digest(new TextEncoder().encode(trimmed));
    key = await generateKeyPairFromSeed('Ed25519', seed.digest);
  } else {
    throw new ProviderIdentityError(
      `the provider key is neither a base64 libp2p Ed25519 key nor a seed of at least ${MIN_SEED_TEXT} characters`,
    );
  }
  return { key, peerId: peerIdFromPrivateKey(key).toString() };
}

/** A new key's text form (protobuf base64), for a local data dir's first start. */
export async function newProviderKeyText(): Promise<string> {
  return Buffer.from(privateKeyToProtobuf(await generateKeyPair('Ed25519'))).toString('base64');
}

/**
 * The multiaddrs of an HTTP origin: `https://host` is `/dns/host/tcp/443/https` (`/ip4/…` or
 * `/ip6/…` for an IP literal), `http://127.0.0.1:8788` is `/ip4/127.0.0.1/tcp/8788/http`.
 * Kubo and Helia both take `/https`; `/tls/http` means the same to them, so only one form is
 * given. A path is not expressible in a multiaddr, so the origin must be the URL's root.
 */
export function originMultiaddrs(url: string): string[] {
  const parsed = new URL(url);
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http') {
    throw new ProviderIdentityError(`the gateway's public URL must be http or https: ${url}`);
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash) {
    throw new ProviderIdentityError(
      `the gateway's public URL must be an origin, without a path: ${url}`,
    );
  }
  // multiaddr() validates what was built (a bad host or port throws here, not at a client).
  return [multiaddr(multiaddrOf(url)).toString()];
}
