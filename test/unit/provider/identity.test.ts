import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import {
  MIN_SEED_TEXT,
  newProviderKeyText,
  originMultiaddrs,
  ProviderIdentityError,
  providerIdentity,
} from '../../../lambdas/core/provider/identity.ts';

describe('the provider key', () => {
  it('is a libp2p protobuf key in base64 (an identity brought along, or a new local one)', async () => {
    const key = await generateKeyPair('Ed25519');
    const text = Buffer.from(privateKeyToProtobuf(key)).toString('base64');
    const identity = await providerIdentity(`${text}\n`);
    expect(identity.peerId).toBe(peerIdFromPrivateKey(key).toString());
    const fresh = await newProviderKeyText();
    expect((await providerIdentity(fresh)).peerId).toMatch(/^12D3KooW/);
    expect(fresh).not.toBe(await newProviderKeyText());
  });

  it('is otherwise the seed text Secrets Manager generates: the same text, the same peer ID', async () => {
    const seed = 'a'.repeat(MIN_SEED_TEXT);
    const one = await providerIdentity(seed);
    expect(one.peerId).toMatch(/^12D3KooW/);
    expect((await providerIdentity(seed)).peerId).toBe(one.peerId);
    expect((await providerIdentity(`${seed}b`)).peerId).not.toBe(one.peerId);
  });

  it('is refused when it is too short to be a seed, or not an Ed25519 key', async () => {
    await expect(providerIdentity('short')).rejects.toThrow(ProviderIdentityError);
    const secp256k1 = await generateKeyPair('secp256k1');
    const text = Buffer.from(privateKeyToProtobuf(secp256k1)).toString('base64');
    await expect(providerIdentity(text)).rejects.toThrow(/must be Ed25519, not secp256k1/);
  });
});

describe("the gateway's addresses", () => {
  it('are the origin as one multiaddr', () => {
    expect(originMultiaddrs('https://gateway.example')).toEqual([
      '/dns/gateway.example/tcp/443/https',
    ]);
    expect(originMultiaddrs('https://gateway.example:8443/')).toEqual([
      '/dns/gateway.example/tcp/8443/https',
    ]);
    expect(originMultiaddrs('http://127.0.0.1:8788')).toEqual(['/ip4/127.0.0.1/tcp/8788/http']);
    expect(originMultiaddrs('http://[::1]:8788')).toEqual(['/ip6/::1/tcp/8788/http']);
  });

  it('cannot carry a path, or another scheme', () => {
    expect(() => originMultiaddrs('https://gateway.example/ipfs')).toThrow(ProviderIdentityError);
    expect(() => originMultiaddrs('ftp://gateway.example')).toThrow(ProviderIdentityError);
  });
});
