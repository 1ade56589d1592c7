/**
 * Publishing IPNI advertisements: one chain, extended by conditional claims of its next
 * position, so that concurrent publishers, redelivered messages and a crash at any point leave
 * neither a fork nor a lost ad.
 *
 * For each ad, in this order:
 *   1. its entry chunks are written (immutable, content-addressed objects);
 *   2. its work keys are *placed*: recorded with the position the ad is about to take;
 *   3. the ad object is written (PreviousID = the ad at the head);
 *   4. the next position is claimed with a conditional put naming the ad and its keys — this is
 *      the head moving. If another publisher took the position first, this one reads the
 *      positions it missed, drops the work they completed, re-signs on the new head and tries
 *      again.
 * A crash before 4 leaves objects nothing links to and a placement whose position does not
 * name the work, so the redelivered message does the work again; a crash after 4 leaves the
 * work recorded as done. Work found done (its placement's position lists its key, and no later
 * withdrawal of its content) is skipped.
 *
 * One SQS batch becomes one extension of the chain: withdrawals first, then one ad per content
 * for all of its CARs in the batch (ContextID per content: see advertisement.ts).
 */
import { CID } from 'multiformats/cid';
import type { AdChainStore, BlobStore, CarBlockSource, ChainPosition, Clock } from '../ports.ts';
import type { ProviderKey } from '../provider/identity.ts';
import {
  contextIdOf,
  encodeAdvertisement,
  GATEWAY_HTTP_METADATA,
  NO_ENTRIES,
  signAdvertisement,
  signedHead,
} from './advertisement.ts';
import { ENTRY_LIMITS, type EntryLimits, writeEntryChains } from './entries.ts';
import { adObjectKey, type Work, workId, workKey } from './work.ts';

export interface PublishPorts {
  chain: AdChainStore;
  /** Where ad and entry-chunk objects are written (the ipni bucket). */
  ads: Pick<BlobStore, 'put'>;
  cars: CarBlockSource;
  clock: Clock;
}

/** Who signs, and the addresses every ad gives for the provider. */
export interface Publisher {
  key: ProviderKey;
  peerId: string;
  addresses: string[];
}

export interface PublishOutcome {
  /** The positions this run claimed, in chain order. */
  claimed: ChainPosition[];
  /** Work found done: by an earlier delivery, by a concurrent publisher, or with nothing to advertise. */
  done: Work[];
  /** Advertisements whose CAR is not in the carpark (removed since): nothing to advertise. */
  gone: Work[];
  /** Work left undone because `error` stopped the run: retry it. */
  failed: Work[];
  error?: unknown;
  /** The chain's head after the run, as far as this run saw it. */
  head?: ChainPosition;
}

/** Claims lost in a row before giving up (the message is retried later). */
export const MAX_CLAIM_ATTEMPTS = 10;

interface KeyedWork {
  work: Work;
  key: string;
  /** The content (root CIDv1) the work is about. */
  content: string;
}

interface Plan {
  content: string;
  kind: Work['kind'];
  items: KeyedWork[];
}

export async function publish(
  work: readonly Work[],
  ports: PublishPorts,
  publisher: Publisher,
  limits: EntryLimits = ENTRY_LIMITS,
): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { claimed: [], done: [], gone: [], failed: [] };
  let plans: Plan[];
  const state: { head?: ChainPosition } = {};
  try {
    const keyed = await keyWork(dedupe(work), ports, outcome);
    // The head is read before the placements: work completed before this read is then seen
    // as done, and work completed after it takes a position this run has to claim past.
    state.head = await ports.chain.head();
    const pending = await notDone(keyed, state.head, ports.chain);
    for (const item of keyed) if (!pending.includes(item)) outcome.done.push(item.work);
    plans = planAds(pending);
  } catch (error) {
    return { ...outcome, failed: [...work], error, head: state.head };
  }

  for (const [index, plan] of plans.entries()) {
    try {
      await carryOut(plan, state, ports, publisher, outcome, limits);
    } catch (error) {
      outcome.failed.push(...plans.slice(index).flatMap((p) => p.items.map((i) => i.work)));
      outcome.error = error;
      break;
    }
  }
  outcome.head = state.head;
  return outcome;
}

function dedupe(work: readonly Work[]): Work[] {
  const seen = new Map<string, Work>();
  for (const w of work) if (!seen.has(workId(w))) seen.set(workId(w), w);
  return [...seen.values()];
}

/** Each piece of work with its key; advertisements learn their content from the CAR's root. */
async function keyWork(
  work: Work[],
  ports: PublishPorts,
  outcome: PublishOutcome,
): Promise<KeyedWork[]> {
  const keyed: KeyedWork[] = [];
  for (const w of work) {
    if (w.kind === 'withdraw') {
      keyed.push({ work: w, content: w.content, key: workKey.withdraw(w.content, w.removalId) });
      continue;
    }
    const roots = await ports.cars.roots(w.carCid);
    const root = roots?.[0];
    if (!root) {
      outcome.gone.push(w);
      continue;
    }
    const content = CID.parse(root).toV1().toString();
    keyed.push({ work: w, content, key: workKey.advertise(content, w.carCid) });
  }
  return keyed;
}

/** The work whose key no position completed (or completed before a later withdrawal). */
async function notDone(
  keyed: KeyedWork[],
  head: ChainPosition | undefined,
  chain: AdChainStore,
): Promise<KeyedWork[]> {
  if (keyed.length === 0) return [];
  const placements = await chain.placements(keyed.map((k) => k.key));
  const headSeq = head?.seq ?? 0;
  // A placement past the head is an interrupted attempt (or one in flight): not done.
  const placed = keyed.filter((k) => (placements.get(k.key) ?? headSeq + 1) <= headSeq);
  if (placed.length === 0) return keyed;

  const withdrawals = new Map<string, { key: string; seq: number }[]>();
  for (const content of new Set(
    placed.filter((k) => !workKey.isWithdrawal(k.key)).map((k) => k.content),
  )) {
    const found = (await chain.withdrawalsOf(content)).filter((w) => w.seq <= headSeq);
    if (found.length > 0) withdrawals.set(content, found);
  }
  const seqs = new Set(placed.map((k) => placements.get(k.key) as number));
  for (const list of withdrawals.values()) for (const w of list) seqs.add(w.seq);
  const positions = await chain.at([...seqs]);
  const completes = (seq: number, key: string) => positions.get(seq)?.keys.includes(key) ?? false;

  return keyed.filter((k) => {
    const seq = placements.get(k.key);
    if (seq === undefined || seq > headSeq || !completes(seq, k.key)) return true;
    // Advertised, then withdrawn: a CAR stored again after its content's removal is new work.
    return (withdrawals.get(k.content) ?? []).some((w) => w.seq > seq && completes(w.seq, w.key));
  });
}

/** Withdrawals first (an ad in the same batch is then the newer word), then one ad per content. */
function planAds(keyed: KeyedWork[]): Plan[] {
  const plans = new Map<string, Plan>();
  for (const kind of ['withdraw', 'advertise'] as const) {
    for (const item of keyed.filter((k) => k.work.kind === kind)) {
      const id = `${kind} ${item.content}`;
      const plan = plans.get(id) ?? { content: item.content, kind, items: [] };
      plan.items.push(item);
      plans.set(id, plan);
    }
  }
  return [...plans.values()];
}

async function carryOut(
  plan: Plan,
  state: { head?: ChainPosition },
  ports: PublishPorts,
  publisher: Publisher,
  outcome: PublishOutcome,
  limits: EntryLimits,
): Promise<void> {
  const contextId = await contextIdOf(CID.parse(plan.content));
  if (plan.kind === 'withdraw') {
    const position = await appendAd(
      { contextId, entries: NO_ENTRIES, isRm: true, keys: plan.items.map((i) => i.key) },
      state,
      ports,
      publisher,
    );
    recordClaim(position, plan.items, outcome);
    return;
  }

  const live: Plan['items'] = [];
  async function* multihashes() {
    for (const item of plan.items) {
      const carCid = (item.work as Extract<Work, { kind: 'advertise' }>).carCid;
      const blocks = await ports.cars.multihashes(carCid);
      if (!blocks) {
        outcome.gone.push(item.work);
        continue;
      }
      live.push(item);
      yield* blocks;
    }
  }
  const chains = await writeEntryChains(
    multihashes(),
    (block) => ports.ads.put(adObjectKey(block.cid.toString()), block.bytes),
    limits,
  );
  if (chains.length === 0) {
    // Only identity blocks, or every CAR gone: nothing for an indexer.
    outcome.done.push(...live.map((i) => i.work));
    return;
  }
  for (const [index, chain] of chains.entries()) {
    // Only the last ad completes the work: a crash between them repeats it all, which an
    // indexer takes as the same entries added again.
    const last = index === chains.length - 1;
    const position = await appendAd(
      { contextId, entries: chain.head, isRm: false, keys: last ? live.map((i) => i.key) : [] },
      state,
      ports,
      publisher,
    );
    if (last) recordClaim(position, live, outcome);
    else if (position) outcome.claimed.push(position);
  }
}

function recordClaim(
  position: ChainPosition | undefined,
  items: Plan['items'],
  outcome: PublishOutcome,
) {
  if (!position) {
    outcome.done.push(...items.map((i) => i.work));
    return;
  }
  outcome.claimed.push(position);
  const completed = new Set(position.keys);
  for (const item of items) if (!completed.has(item.key)) outcome.done.push(item.work);
}

interface AdDraft {
  contextId: Uint8Array;
  entries: CID;
  isRm: boolean;
  keys: string[];
}

/**
 * Appends one ad at the head (steps 2–4 of the module comment). Undefined when, while it
 * waited for a position, concurrent publishers completed all of its work.
 */
async function appendAd(
  draft: AdDraft,
  state: { head?: ChainPosition },
  ports: PublishPorts,
  publisher: Publisher,
): Promise<ChainPosition | undefined> {
  let keys = draft.keys;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
    const base = state.head;
    const seq = (base?.seq ?? 0) + 1;
    const ad = await encodeAdvertisement(
      await signAdvertisement(
        {
          ...(base ? { PreviousID: CID.parse(base.ad) } : {}),
          Provider: publisher.peerId,
          Addresses: publisher.addresses,
          Entries: draft.entries,
          ContextID: draft.contextId,
          Metadata: GATEWAY_HTTP_METADATA,
          IsRm: draft.isRm,
        },
        publisher.key,
      ),
    );
    if (keys.length > 0) await ports.chain.place(keys, seq);
    await ports.ads.put(adObjectKey(ad.cid.toString()), ad.bytes);
    const position: ChainPosition = {
      seq,
      ad: ad.cid.toString(),
      keys,
      signedHead: new TextDecoder().decode(await signedHead(ad.cid, publisher.key)),
      created: ports.clock.now().toISOString(),
    };
    if (await ports.chain.claim(position)) {
      state.head = position;
      return position;
    }
    // Another publisher took the place: catch up with what it (and any others) appended.
    const missed = await ports.chain.after(base?.seq ?? 0);
    state.head = missed.at(-1) ?? base;
    if (draft.keys.length > 0) {
      const completed = new Set(missed.flatMap((p) => p.keys));
      keys = keys.filter((key) => !completed.has(key));
      if (keys.length === 0) return undefined;
    }
  }
  throw new Error(
    `lost the race for the next IPNI chain position ${MAX_CLAIM_ATTEMPTS} times in a row`,
  );
}
