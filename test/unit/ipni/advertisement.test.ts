/**
 * Differential test: pinstack's ads, entry chunks, signatures, signed head and announce message
 * are byte for byte what go-libipni (the reference implementation the indexers run) produces
 * from the same key and fields (go-libipni-vectors.json says how the vectors were made).
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import {
  announceMessage,
  contextIdOf,
  encodeAdvertisement,
  encodeEntryChunk,
  GATEWAY_HTTP_METADATA,
  MAX_CONTEXT_ID_BYTES,
  NO_ENTRIES,
  signAdvertisement,
  signedHead,
} from '../../../lambdas/core/ipni/advertisement.ts';
import { providerIdentity } from '../../../lambdas/core/provider/identity.ts';
import vectors from './go-libipni-vectors.json' with { type: 'json' };

const key = privateKeyFromProtobuf(Buffer.from(vectors.privateKeyProtobuf, 'hex')) as Awaited<
  ReturnType<typeof providerIdentity>
>['key'];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const multihashOf = async (input: string) =>
  (await sha256.digest(new TextEncoder().encode(input))).bytes;
const address = '/dns/gw.example/tcp/443/https';
const contextId = Uint8Array.of(1, 2, 3);

describe('advertisements, as go-libipni makes them', () => {
  it('has the same peer ID for the key', async () => {
    const identity = await providerIdentity(
      Buffer.from(vectors.privateKeyProtobuf, 'hex').toString('base64'),
    );
    expect(identity.peerId).toBe(vectors.peerId);
  });

  it('uses the same metadata and "no entries" link', () => {
    expect(Buffer.from(GATEWAY_HTTP_METADATA).toString('hex')).toBe(vectors.metadata);
    expect(NO_ENTRIES.toString()).toBe(vectors.noEntries);
  });

  it('encodes an entry chunk identically', async () => {
    const chunk = await encodeEntryChunk({
      Entries: [await multihashOf('a'), await multihashOf('b')],
    });
    expect(text(chunk.bytes)).toBe(vectors.entriesJson);
    expect(chunk.cid.toString()).toBe(vectors.entries);
  });

  it('signs and encodes a first ad and a removal ad identically', async () => {
    const first = await encodeAdvertisement(
      await signAdvertisement(
        {
          Provider: vectors.peerId,
          Addresses: [address],
          Entries: CID.parse(vectors.entries),
          ContextID: contextId,
          Metadata: GATEWAY_HTTP_METADATA,
          IsRm: false,
        },
        key,
      ),
    );
    expect(text(first.bytes)).toBe(vectors.ad1Json);
    expect(first.cid.toString()).toBe(vectors.ad1);

    const removal = await encodeAdvertisement(
      await signAdvertisement(
        {
          PreviousID: first.cid,
          Provider: vectors.peerId,
          Addresses: [address],
          Entries: NO_ENTRIES,
          ContextID: contextId,
          Metadata: GATEWAY_HTTP_METADATA,
          IsRm: true,
        },
        key,
      ),
    );
    expect(text(removal.bytes)).toBe(vectors.ad2Json);
    expect(removal.cid.toString()).toBe(vectors.ad2);
  });

  it('signs the head identically', async () => {
    expect(text(await signedHead(CID.parse(vectors.ad2), key))).toBe(vectors.headJson);
  });

  it('writes the announce message identically', () => {
    expect(announceMessage(CID.parse(vectors.ad2), [address], vectors.peerId)).toBe(
      vectors.announceJson,
    );
  });
});

describe('ContextID', () => {
  it('is the root as CIDv1 bytes, whichever version names it', async () => {
    const v0 = CID.parse('QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH');
    expect(await contextIdOf(v0)).toEqual(v0.toV1().bytes);
    expect(await contextIdOf(v0.toV1())).toEqual(v0.toV1().bytes);
  });

  it('is the sha2-256 multihash of those bytes when they pass 64 bytes', async () => {
    const long = CID.create(1, 0x55, Digest.create(0x13, new Uint8Array(64).fill(9)));
    expect(long.bytes.length).toBeGreaterThan(MAX_CONTEXT_ID_BYTES);
    const id = await contextIdOf(long);
    expect(id).toEqual((await sha256.digest(long.bytes)).bytes);
    expect(id.length).toBeLessThanOrEqual(MAX_CONTEXT_ID_BYTES);
  });
});
