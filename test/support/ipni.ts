/**
 * Reading an IPNI advertisement chain back the way an indexer does, for tests: walk from the
 * head through PreviousID, check every object against its CID, check every ad's signature, and
 * replay the chain (adds under a ContextID, removals of a ContextID) into the index an indexer
 * would hold.
 */
import * as dagJson from '@ipld/dag-json';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { RecordEnvelope } from '@libp2p/peer-record';
import type { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';

export interface ReadAd {
  cid: CID;
  previous?: CID;
  provider: string;
  addresses: string[];
  contextId: string;
  metadata: Uint8Array;
  isRm: boolean;
  /** Hex multihashes of every entry chunk the ad links to. */
  entries: string[];
  /** The peer ID that signed it. */
  signer: string;
}

type Get = (cid: string) => Promise<Uint8Array | undefined>;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function fetchVerified(get: Get, cid: CID): Promise<unknown> {
  const bytes = await get(cid.toString());
  if (!bytes) throw new Error(`object ${cid} is missing`);
  const digest = await sha256.digest(bytes);
  if (hex(digest.digest) !== hex(cid.multihash.digest)) {
    throw new Error(`object ${cid} does not hash to its CID`);
  }
  return dagJson.decode(bytes);
}

interface RawAd {
  PreviousID?: CID;
  Provider: string;
  Addresses: string[];
  Signature: Uint8Array;
  Entries: CID;
  ContextID: Uint8Array;
  Metadata: Uint8Array;
  IsRm: boolean;
}

/** Checks the signature as go-libipni's VerifySignature does; returns the signer's peer ID. */
async function verifySignature(ad: RawAd): Promise<string> {
  const envelope = await RecordEnvelope.openAndCertify(ad.Signature, 'indexer');
  if (new TextDecoder().decode(envelope.payloadType) !== '/indexer/ingest/adSignature') {
    throw new Error('wrong payload type');
  }
  const text = new TextEncoder();
  const signed = Buffer.concat([
    ad.PreviousID?.bytes ?? new Uint8Array(),
    ad.Entries.bytes,
    text.encode(ad.Provider),
    ...ad.Addresses.map((a) => text.encode(a)),
    ad.Metadata,
    Uint8Array.of(ad.IsRm ? 1 : 0),
  ]);
  if (hex(envelope.payload) !== hex((await sha256.digest(signed)).bytes)) {
    throw new Error('signature payload does not match the ad');
  }
  return peerIdFromPublicKey(envelope.publicKey).toString();
}

const NO_ENTRIES = 'bafkreehdwdcefgh4dqkjv67uzcmw7oje';

/** The chain from its first ad to `head`, every object and signature checked. */
export async function readAdChain(get: Get, head: CID): Promise<ReadAd[]> {
  const ads: ReadAd[] = [];
  const seen = new Set<string>();
  for (let cid: CID | undefined = head; cid; ) {
    if (seen.has(cid.toString())) throw new Error(`the chain loops at ${cid}`);
    seen.add(cid.toString());
    const ad = (await fetchVerified(get, cid)) as RawAd;
    const entries: string[] = [];
    if (ad.Entries.toString() !== NO_ENTRIES) {
      for (let chunk: CID | undefined = ad.Entries; chunk; ) {
        const decoded = (await fetchVerified(get, chunk)) as { Entries: Uint8Array[]; Next?: CID };
        entries.push(...decoded.Entries.map(hex));
        chunk = decoded.Next;
      }
    }
    ads.unshift({
      cid,
      ...(ad.PreviousID ? { previous: ad.PreviousID } : {}),
      provider: ad.Provider,
      addresses: ad.Addresses,
      contextId: hex(ad.ContextID),
      metadata: ad.Metadata,
      isRm: ad.IsRm,
      entries,
      signer: await verifySignature(ad),
    });
    cid = ad.PreviousID;
  }
  return ads;
}

/** What an indexer holds after ingesting the ads in order: ContextID (hex) -> multihashes (hex). */
export function indexerView(ads: readonly ReadAd[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const ad of ads) {
    if (ad.isRm) {
      index.delete(ad.contextId);
      continue;
    }
    const held = index.get(ad.contextId) ?? new Set<string>();
    for (const entry of ad.entries) held.add(entry);
    index.set(ad.contextId, held);
  }
  return index;
}
