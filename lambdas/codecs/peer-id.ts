/**
 * The peer id pinstack's Pinning Service API names in `delegates`. Its libp2p identity belongs
 * to a later feature (the libp2p peer of issue 11); until a deployment has one, every delegate
 * carries a placeholder: the Ed25519 peer id derived from the gateway's host. Clients need a
 * `/p2p/<peer id>` on every delegate (Kubo's `ipfs pin remote add` refuses one without); dialing
 * the placeholder just fails, which the spec says a client must tolerate.
 *
 * Issue 11 replaces `servicePeerId` with the real identity's id.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';

/** PKCS#8 DER prefix of an Ed25519 private key; its 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The libp2p peer id (`12D3KooW…`) of the Ed25519 key with this seed. */
export function ed25519PeerId(seed: Uint8Array): string {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = spki.subarray(spki.length - 32);
  // The libp2p PublicKey protobuf (Type = Ed25519, Data = the key), inlined in an identity
  // multihash as libp2p does for keys this small.
  const protobuf = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x20]), publicKey]);
  const multihash = Buffer.concat([Buffer.from([0x00, protobuf.length]), protobuf]);
  // base58btc without the multibase prefix.
  return base58btc.encode(multihash).slice(1);
}

/** The peer id delegates carry for a gateway host (see above: a placeholder until issue 11). */
export function servicePeerId(gatewayHost: string): string {
  return ed25519PeerId(createHash('sha256').update(`pinstack delegate ${gatewayHost}`).digest());
}
