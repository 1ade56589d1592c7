/**
 * One scanned window's events to token records: every token minted, announced (ERC-1155
 * `URI`) or refreshed (EIP-4906) in it has its URI read, resolved to CIDs and merged into its
 * record; a URI that changed moves the old one, with its CIDs, into the token's history.
 * CIDs are handed to the pin requester before the records are written, and both before the
 * cursor moves, so a crash anywhere repeats work instead of losing it.
 */
import { type NftKey, nftKeyString } from '../../codecs/nft.ts';
import type {
  ChainRpc,
  FoundCid,
  NftRecord,
  NftStore,
  PinRequest,
  PinRequester,
  TokenStandard,
} from '../ports.ts';
import type { NftEvent } from './events.ts';
import { readUris, type UriAnswer } from './reads.ts';
import {
  MAX_HISTORY,
  MAX_HISTORY_URI_CHARS,
  MAX_RECORDED_CIDS,
  type ResolvedUri,
  resolveAnswer,
  sameUri,
  storedUri,
} from './resolve.ts';

/** Most tokens one ERC-2309 event or one EIP-4906 batch refresh expands to. */
export const MAX_TOKENS_PER_EVENT = 10_000;

interface Touch {
  key: NftKey;
  /** What the event says the token is; a known record's standard wins. */
  standard?: TokenStandard;
  /** An ERC-1155 `URI` event's value: no call needed. */
  announced?: string;
  block: number;
}

export interface WindowContext {
  chainId: number;
  rpc: ChainRpc;
  nfts: NftStore;
  pins: PinRequester;
  /** Block the URIs are read at: the run's confirmed head. */
  readBlock: number;
  multicall: boolean;
  now: string;
}

export interface WindowOutcome {
  tokens: number;
  written: number;
  pinRequests: number;
  /** Events cut short by MAX_TOKENS_PER_EVENT. */
  truncatedEvents: number;
}

/** Applies a window's events; `events` carry the block each came from. */
export async function applyWindow(
  ctx: WindowContext,
  events: { event: NftEvent; block: number }[],
): Promise<WindowOutcome> {
  const touches = new Map<string, Touch>();
  let truncatedEvents = 0;
  const touch = (contract: string, tokenId: bigint, block: number, update: Partial<Touch>) => {
    const key = { chainId: ctx.chainId, contract, tokenId };
    const id = nftKeyString(key);
    const seen = touches.get(id);
    touches.set(id, { key, block: seen?.block ?? block, ...seen, ...defined(update) });
  };

  for (const { event, block } of events) {
    if (event.kind === 'uri') {
      touch(event.contract, event.id, block, { standard: 'erc1155', announced: event.uri });
      continue;
    }
    let last = event.to;
    if (last - event.from >= BigInt(MAX_TOKENS_PER_EVENT)) {
      last = event.from + BigInt(MAX_TOKENS_PER_EVENT) - 1n;
      truncatedEvents++;
    }
    if (event.kind === 'mint') {
      for (let id = event.from; id <= last; id++) {
        touch(event.contract, id, block, { standard: event.standard });
      }
    } else if (event.from === event.to) {
      touch(event.contract, event.from, block, {});
    } else {
      // A batch refresh (often 0..2^256-1, "the whole collection") re-reads the tokens known.
      const known = await ctx.nfts.listRange(
        ctx.chainId,
        event.contract,
        event.from,
        event.to,
        MAX_TOKENS_PER_EVENT,
      );
      for (const record of known) touch(record.contract, BigInt(record.tokenId), block, {});
    }
  }
  if (touches.size === 0) return { tokens: 0, written: 0, pinRequests: 0, truncatedEvents };

  const list = [...touches.values()];
  const read = (touched: Touch[], standardOf: (t: Touch) => TokenStandard) =>
    readUris(
      ctx.rpc,
      touched.map((t) => ({
        contract: t.key.contract,
        tokenId: t.key.tokenId,
        standard: standardOf(t),
      })),
      ctx.readBlock,
      ctx.multicall,
    );
  // Tokens whose standard an event told are read while the known records load (the node and
  // the table work at once); a refresh of a token the event does not type waits for its record.
  const typed = list.filter((t) => t.announced === undefined && t.standard !== undefined);
  const [existing, typedAnswers] = await Promise.all([
    ctx.nfts.getMany(list.map((t) => t.key)),
    read(typed, (t) => t.standard as TokenStandard),
  ]);
  const standardOf = (t: Touch): TokenStandard =>
    existing.get(nftKeyString(t.key))?.standard ?? t.standard ?? 'erc721';
  const untyped = list.filter((t) => t.announced === undefined && t.standard === undefined);
  const untypedAnswers = await read(untyped, standardOf);
  const answerOf = new Map<Touch, UriAnswer>([
    ...typed.map((t, i) => [t, typedAnswers[i] as UriAnswer] as const),
    ...untyped.map((t, i) => [t, untypedAnswers[i] as UriAnswer] as const),
  ]);

  const records: NftRecord[] = [];
  const pins = new PinBatch();
  for (const t of list) {
    const standard = standardOf(t);
    const answer = answerOf.get(t) ?? { kind: 'uri', uri: t.announced as string };
    const resolved = resolveAnswer(answer, standard, t.key.tokenId);
    const before = existing.get(nftKeyString(t.key));
    const record = merged(before, resolved, { key: t.key, standard, block: t.block, now: ctx.now });
    if (!record) continue;
    records.push(record);
    pins.add(record, resolved.cids, before?.cids ?? [], resolved.origins);
  }
  await ctx.pins.requestPins(pins.requests());
  await ctx.nfts.putMany(records);
  return {
    tokens: list.length,
    written: records.length,
    pinRequests: pins.size,
    truncatedEvents,
  };
}

const defined = (update: Partial<Touch>) =>
  Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));

interface MergeInput {
  key: NftKey;
  standard: TokenStandard;
  block: number;
  now: string;
}

/** The record after reading the token's URI, or undefined when nothing changed. */
export function merged(
  before: NftRecord | undefined,
  resolved: ResolvedUri,
  input: MergeInput,
): NftRecord | undefined {
  if (before && sameUri(before, resolved)) return undefined;
  const history = before
    ? [
        {
          tokenURI: before.tokenURI.slice(0, MAX_HISTORY_URI_CHARS),
          cids: before.cids,
          replaced: input.now,
        },
        ...(before.history ?? []),
      ].slice(0, MAX_HISTORY)
    : undefined;
  return {
    chainId: input.key.chainId,
    contract: input.key.contract,
    tokenId: input.key.tokenId.toString(),
    standard: input.standard,
    ...storedUri(resolved.tokenURI),
    uriStatus: resolved.uriStatus,
    ...(resolved.uriReason ? { uriReason: resolved.uriReason } : {}),
    metadataStatus: resolved.metadataStatus,
    ...(resolved.metadataReason ? { metadataReason: resolved.metadataReason } : {}),
    metadataAttempts: 0,
    ...(resolved.metadataStatus === 'pending' ? { metadataDue: input.now } : {}),
    cids: resolved.cids.slice(0, MAX_RECORDED_CIDS),
    ...(history ? { history } : {}),
    firstBlock: before?.firstBlock ?? input.block,
    updated: input.now,
  };
}

/** Pin requests of one batch of records: each new CID once, named after its first token. */
export class PinBatch {
  readonly #requests = new Map<string, PinRequest>();

  get size(): number {
    return this.#requests.size;
  }

  add(record: NftRecord, found: FoundCid[], known: FoundCid[], origins: string[]) {
    const already = new Set(known.map((at) => at.cid));
    for (const at of found) {
      if (already.has(at.cid) || this.#requests.has(at.cid)) continue;
      this.#requests.set(at.cid, {
        cid: at.cid,
        name: `NFT ${record.chainId}/${record.contract}/${record.tokenId}`,
        origins,
        meta: {
          chainId: String(record.chainId),
          contract: record.contract,
          tokenId: record.tokenId,
          source: at.source,
        },
      });
    }
  }

  requests(): PinRequest[] {
    return [...this.#requests.values()];
  }
}
