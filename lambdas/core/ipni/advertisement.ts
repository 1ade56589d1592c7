/**
 * IPNI advertisements and entry chunks as the spec defines them (ipni/specs IPNI.md and
 * IPNI_HTTP_PROVIDER.md; go-libipni's `ingest/schema` is the reference): their dag-json blocks,
 * the ad signature (a libp2p signed envelope over a hash of the signed fields), the signed head
 * an HTTP publisher serves, and the announce message sent to indexers.
 *
 * ContextID: one per content root. IPNI withdraws by ContextID (an `IsRm` ad removes everything
 * advertised under it) and pinstack removes content by root (an unpin), so the two line up:
 * every CAR of a content — the chunks of a large DAG, a re-upload — adds its blocks under the
 * content's ContextID, and one removal ad withdraws them all, while a block that other content
 * also holds stays advertised under theirs. (A per-batch ContextID would let one ad carry many
 * contents, but withdrawing one of them would mean re-advertising the rest.) The ContextID is
 * the root's CIDv1 bytes, or — when they are longer than the spec's 64 bytes (sha-512 roots) —
 * the sha2-256 multihash of those bytes.
 */
import * as dagJson from '@ipld/dag-json';
import { publicKeyToProtobuf } from '@libp2p/crypto/keys';
import { RecordEnvelope } from '@libp2p/peer-record';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import type { ProviderKey } from '../provider/identity.ts';

export const AD_SIGNATURE_DOMAIN = 'indexer';
export const AD_SIGNATURE_CODEC = '/indexer/ingest/adSignature';
/** The gossip topic indexers listen on; the signed head names it. */
export const IPNI_TOPIC = '/indexer/ingest/mainnet';
/** Limits go-libipni enforces on ingest. */
export const MAX_CONTEXT_ID_BYTES = 64;
export const MAX_METADATA_BYTES = 1024;

/**
 * Metadata `transport-ipfs-gateway-http`: the uvarint of multicodec 0x0920, then the uvarint
 * length (0) of its empty payload. go-libipni rejects `a0 12` without the length.
 */
export const GATEWAY_HTTP_METADATA = Uint8Array.of(0xa0, 0x12, 0x00);

const DAG_JSON = 0x0129;
const RAW = 0x55;

/** The spec's "no entries" link: CIDv1 raw of the sha2-256 of nothing, cut to 16 bytes. */
export const NO_ENTRIES = CID.create(
  1,
  RAW,
  Digest.create(
    sha256.code,
    Uint8Array.from(
      Buffer.from('e3b0c44298fc1c149afbf4c8996fb924', 'hex'), // sha2-256("") [0:16]
    ),
  ),
);

export interface Advertisement {
  PreviousID?: CID;
  Provider: string;
  Addresses: string[];
  Signature: Uint8Array;
  Entries: CID;
  ContextID: Uint8Array;
  Metadata: Uint8Array;
  IsRm: boolean;
}

export interface EntryChunk {
  Entries: Uint8Array[];
  Next?: CID;
}

export interface EncodedBlock {
  cid: CID;
  bytes: Uint8Array;
}

/** A dag-json block under its CIDv1 (sha2-256): how every ad and entry chunk is stored. */
export async function encodeDagJson(value: unknown): Promise<EncodedBlock> {
  const bytes = dagJson.encode(value);
  return { cid: CID.create(1, DAG_JSON, await sha256.digest(bytes)), bytes };
}

/** The ContextID of a content root (see the module comment). */
export async function contextIdOf(root: CID): Promise<Uint8Array> {
  const bytes = root.toV1().bytes;
  if (bytes.length <= MAX_CONTEXT_ID_BYTES) return bytes;
  return (await sha256.digest(bytes)).bytes;
}

export type UnsignedAdvertisement = Omit<Advertisement, 'Signature'>;

/**
 * What the ad signature covers (go-libipni `signaturePayload`): the sha2-256 multihash of
 * PreviousID's CID bytes (none for the first ad) ‖ Entries' CID bytes ‖ Provider ‖ each address
 * ‖ Metadata ‖ one IsRm byte. The ContextID is not covered.
 */
export async function adSignaturePayload(ad: UnsignedAdvertisement): Promise<Uint8Array> {
  const text = new TextEncoder();
  const parts = [
    ad.PreviousID?.bytes ?? new Uint8Array(),
    ad.Entries.bytes,
    text.encode(ad.Provider),
    ...ad.Addresses.map((address) => text.encode(address)),
    ad.Metadata,
    Uint8Array.of(ad.IsRm ? 1 : 0),
  ];
  return (await sha256.digest(Buffer.concat(parts))).bytes;
}

/** Signs an ad: the signature is a libp2p signed envelope (domain `indexer`) of the payload. */
export async function signAdvertisement(
  ad: UnsignedAdvertisement,
  key: ProviderKey,
): Promise<Advertisement> {
  const payload = await adSignaturePayload(ad);
  const envelope = await RecordEnvelope.seal(
    {
      domain: AD_SIGNATURE_DOMAIN,
      codec: new TextEncoder().encode(AD_SIGNATURE_CODEC),
      marshal: () => payload,
      equals: () => false,
    },
    key,
  );
  return { ...ad, Signature: envelope.marshal() };
}

/** The ad as its dag-json block; an absent PreviousID is left out (never null). */
export function encodeAdvertisement(ad: Advertisement): Promise<EncodedBlock> {
  const { PreviousID, ...rest } = ad;
  return encodeDagJson(PreviousID ? { ...rest, PreviousID } : rest);
}

export function encodeEntryChunk(chunk: EntryChunk): Promise<EncodedBlock> {
  const { Next, Entries } = chunk;
  return encodeDagJson(Next ? { Entries, Next } : { Entries });
}

/**
 * The signed head of `GET /ipni/v1/ad/head`: `{head, topic, pubkey, sig}`, where `sig` signs the
 * head CID's bytes ‖ the topic (a plain signature, not an envelope) and `pubkey` is the libp2p
 * protobuf public key.
 */
export async function signedHead(head: CID, key: ProviderKey): Promise<Uint8Array> {
  const signed = Buffer.concat([head.bytes, new TextEncoder().encode(IPNI_TOPIC)]);
  return dagJson.encode({
    head,
    topic: IPNI_TOPIC,
    pubkey: publicKeyToProtobuf(key.publicKey),
    sig: await key.sign(signed),
  });
}

/**
 * The announce message `PUT /announce` takes (go-libipni `announce/message`, JSON form): the
 * head, and where to fetch the chain — the publisher's multiaddrs as binary multiaddrs in
 * base64, each ending in `/p2p/<peer id>` (how an indexer learns the publisher over HTTP).
 */
export function announceMessage(head: CID, addresses: string[], peerId: string): string {
  const addrs = addresses.map((address) =>
    Buffer.from(multiaddr(`${address}/p2p/${peerId}`).bytes).toString('base64'),
  );
  return `${JSON.stringify({ Cid: { '/': head.toString() }, Addrs: addrs, ExtraData: null, OrigPeer: '' })}\n`;
}
