/**
 * The ad chain checked against the specs' signature rules with nothing of the code that signs
 * it, nor libp2p's: the signed envelope (libp2p RFC 0002) read by hand from its protobuf, the
 * Ed25519 signatures verified with node:crypto, over exactly the bytes the specs name —
 *   ad (IPNI.md, go-libipni's VerifySignature): envelope domain "indexer", payload type
 *     "/indexer/ingest/adSignature", payload sha256(PreviousID ‖ Entries ‖ Provider ‖
 *     Addresses… ‖ Metadata ‖ IsRm byte);
 *   head (IPNI_HTTP_PROVIDER.md): sig over head CID bytes ‖ topic, by `pubkey`;
 * and the signer's peer ID (identity multihash of its protobuf public key) is the provider's.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import * as dagJson from '@ipld/dag-json';
import { base58btc } from 'multiformats/bases/base58';
import type { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

/** Protobuf fields of one message: field number -> bytes of each length-delimited value. */
function protobufFields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const fields = new Map<number, Uint8Array[]>();
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) {
      fields.set(key >> 3, [...(fields.get(key >> 3) ?? []), Uint8Array.of(varint())]);
    } else if (wire === 2) {
      const length = varint();
      fields.set(key >> 3, [...(fields.get(key >> 3) ?? []), bytes.subarray(at, at + length)]);
      at += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

const field = (fields: Map<number, Uint8Array[]>, n: number) => {
  const [value] = fields.get(n) ?? [];
  if (!value) throw new Error(`protobuf field ${n} missing`);
  return value;
};

function uvarint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
}

/** A libp2p PublicKey protobuf (Type 1 = Ed25519): its node:crypto key and its peer ID. */
function ed25519Key(protobuf: Uint8Array) {
  const fields = protobufFields(protobuf);
  expect(field(fields, 1)[0]).toBe(1);
  const raw = field(fields, 2);
  expect(raw).toHaveLength(32);
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });
  // A key this short is its own identity multihash (0x00, length).
  const peerId = base58btc.encode(Buffer.concat([Uint8Array.of(0, protobuf.length), protobuf]));
  return { key, peerId: peerId.slice(1) };
}

const text = (s: string) => Buffer.from(s, 'utf8');

describe("the ad chain under the specs' signature rules, checked independently", () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await withLocalStack({
      env: { AWS_REGION: process.env.AWS_REGION, UNPIN_GRACE_DAYS: '0' },
    });
    token = (await createTestToken(stack, 'signatures')).token;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${stack.gatewayUrl}/ipni/v1/ad/${path}`);
    expect(response.status, path).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  };

  it('signs every ad (adds and a removal) and the head with the provider key', async () => {
    const api = apiClient(stack);
    const cids: string[] = [];
    for (const body of ['first', 'second', 'removed later']) {
      const response = await api.post('/upload', {
        token,
        body,
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(200);
      cids.push(response.body.value.cid);
      await stack.idle();
    }
    expect((await api.delete(`/${cids[2]}`, { token })).status).toBe(202);
    await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    await stack.idle();

    const peerId = stack.env.PROVIDER_PEER_ID as string;
    const head = dagJson.decode<{ head: CID; topic: string; pubkey: Uint8Array; sig: Uint8Array }>(
      await get('head'),
    );
    const headKey = ed25519Key(head.pubkey);
    expect(headKey.peerId).toBe(peerId);
    expect(
      verify(null, Buffer.concat([head.head.bytes, text(head.topic)]), headKey.key, head.sig),
    ).toBe(true);

    let removals = 0;
    let count = 0;
    for (let cid: CID | undefined = head.head; cid; count++) {
      const bytes = await get(cid.toString());
      // The object is the one its CID names.
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(
        Buffer.from(cid.multihash.digest).toString('hex'),
      );
      const ad = dagJson.decode<{
        PreviousID?: CID;
        Provider: string;
        Addresses: string[];
        Entries: CID;
        Metadata: Uint8Array;
        IsRm: boolean;
        Signature: Uint8Array;
      }>(bytes);
      const envelope = protobufFields(ad.Signature);
      const publicKey = field(envelope, 1);
      const payloadType = field(envelope, 2);
      const payload = field(envelope, 3);
      const signature = field(envelope, 5);
      expect(Buffer.from(payloadType).toString()).toBe('/indexer/ingest/adSignature');
      const signer = ed25519Key(publicKey);
      expect(signer.peerId).toBe(peerId);
      expect(ad.Provider).toBe(peerId);
      const domain = text('indexer');
      const signed = Buffer.concat([
        uvarint(domain.length),
        domain,
        uvarint(payloadType.length),
        payloadType,
        uvarint(payload.length),
        payload,
      ]);
      expect(verify(null, signed, signer.key, signature), `signature of ${cid}`).toBe(true);
      // …and this check is no formality: one changed byte of the payload fails it.
      const tampered = Buffer.from(signed);
      tampered[tampered.length - 1] = (tampered.at(-1) as number) ^ 1;
      expect(verify(null, tampered, signer.key, signature)).toBe(false);
      const digest = createHash('sha256')
        .update(
          Buffer.concat([
            ad.PreviousID?.bytes ?? new Uint8Array(),
            ad.Entries.bytes,
            text(ad.Provider),
            ...ad.Addresses.map(text),
            ad.Metadata,
            Uint8Array.of(ad.IsRm ? 1 : 0),
          ]),
        )
        .digest();
      // The payload is that digest as a sha2-256 multihash.
      expect(Buffer.from(payload).toString('hex')).toBe(`1220${digest.toString('hex')}`);
      if (ad.IsRm) removals++;
      cid = ad.PreviousID;
    }
    expect(count).toBe(4);
    expect(removals).toBe(1);
  });
});
