/**
 * The pin worker: what the pin queue's messages ask for. A content is `pinned` once its
 * complete DAG is stored in the carpark (verified) and every configured provider reports it
 * pinned; with no provider configured, a stored DAG is pinned as it is.
 *
 * A batch is handled together: every content it names is read at once, content requested by CID
 * is fetched from trustless gateways and stored, then each provider is asked about all the
 * batch's contents in as few requests as it allows. Everything is idempotent: a redelivered
 * message finds the work done (or the provider's request id recorded) and changes nothing.
 * Transient failures (a provider or gateway down, storage throttling) fail the message, which
 * the queue redelivers; terminal ones are recorded on the pin as its failure.
 */

import { CID } from 'multiformats/cid';
import { pinMessageCids } from '../../contract/messages.ts';
import { httpOriginOf } from '../codecs/multiaddr.ts';
import { blockIndexKey } from './block-index.ts';
import { type Failure, FailureError, failure } from './failures.ts';
import { fetchDag } from './fetch-dag.ts';
import { decodeBlockIndexEntries } from './ipfs/block-index.ts';
import { joinCars } from './ipfs/car-stream.ts';
import type {
  BlobStore,
  BlockIndexStore,
  CarRecord,
  Clock,
  ContentRecord,
  ContentStore,
  PinFailure,
  PinFailureKind,
  PinMessage,
  PinProvider,
  PinStatus,
  ProviderAnswer,
  ProviderItem,
  ProviderPin,
  TrustlessGateway,
} from './ports.ts';
import { linkIndexKey } from './uploads.ts';

export interface PinWorkerPorts {
  contents: ContentStore;
  carpark: BlobStore;
  gateway: TrustlessGateway;
  providers: readonly PinProvider[];
  /** The block index, which forgets a removed content's CARs. */
  blocks: Pick<BlockIndexStore, 'forget'>;
  clock: Clock;
}

export interface PinWorkerSettings {
  IPFS_GATEWAYS: readonly string[] | undefined;
  PIN_FETCH_MAX_BYTES: number;
  PIN_FETCH_TIMEOUT_SECONDS: number;
  PIN_FETCH_RETRIES: number;
  PIN_FAILED_GRACE_HOURS: number;
  GATEWAY_PUBLIC_URL: string | undefined;
}

export interface PinJob {
  /** The queue message's id: what a failure is reported by. */
  id: string;
  message: PinMessage;
  /** When the message was sent: content missing from a young one may not be written yet. */
  sentAt?: Date;
}

/**
 * How long a pin message may come before its content: an upload sends it alongside the CAR's
 * record, just before the content's, so a worker may read between the two.
 */
export const CONTENT_WRITE_MS = 2 * 60_000;

export interface PinWorkReport {
  pinned: number;
  pinning: number;
  failed: number;
  fetched: number;
  unpinned: number;
  skipped: number;
}

export interface PinWorkOutcome {
  /** Jobs to retry later, each with the transient failure that stopped it. */
  retry: Map<string, Failure>;
  /**
   * Of those, the jobs whose content was not written yet: an upload is writing it alongside,
   * so they are retried in seconds, not after the backoff of a failing provider.
   */
  soon: Set<string>;
  report: PinWorkReport;
}

/** The provider set a pin is made with: sorted names, comma-separated ('' for none). */
export const providerSetOf = (providers: readonly { name: string }[]) =>
  providers
    .map((p) => p.name)
    .sort()
    .join(',');

/** Looks, CONTENT_LOOK_MS apart, for content a young message names before it is retried. */
const CONTENT_LOOKS = 4;
const CONTENT_LOOK_MS = 250;
/** Fetches running at once in one invocation (each streams into the carpark). */
const FETCH_CONCURRENCY = 2;
/** Time kept back from a fetch for recording its outcome before the function times out. */
const FETCH_RESERVE_MS = 60_000;
/** A provider claim older than this is a dead worker's: another may take over. */
export const PROVIDER_CLAIM_MS = 15 * 60_000;

export async function processPinJobs(
  jobs: readonly PinJob[],
  ports: PinWorkerPorts,
  settings: PinWorkerSettings,
  options: { remainingMs?: () => number } = {},
): Promise<PinWorkOutcome> {
  const report: PinWorkReport = {
    pinned: 0,
    pinning: 0,
    failed: 0,
    fetched: 0,
    unpinned: 0,
    skipped: 0,
  };
  const retry = new Map<string, Failure>();
  const jobsOf = { pin: new Map<string, string[]>(), unpin: new Map<string, string[]>() };
  const young = new Set<string>();
  const now = ports.clock.now().getTime();
  for (const job of jobs) {
    for (const cid of pinMessageCids(job.message)) {
      const byCid = jobsOf[job.message.op];
      byCid.set(cid, [...(byCid.get(cid) ?? []), job.id]);
      if (job.sentAt && now - job.sentAt.getTime() < CONTENT_WRITE_MS) young.add(cid);
    }
  }
  const failJobs = (cid: string, op: 'pin' | 'unpin', cause: Failure) => {
    for (const id of jobsOf[op].get(cid) ?? []) if (!retry.has(id)) retry.set(id, cause);
  };
  const notWritten = new Set<string>();
  const work = new PinWork(ports, settings, report, options.remainingMs, notWritten);
  const outcomes = await Promise.allSettled([
    work.pin([...jobsOf.pin.keys()], young).then((failures) => {
      for (const [cid, cause] of failures) failJobs(cid, 'pin', cause);
    }),
    work.unpin([...jobsOf.unpin.keys()]).then((failures) => {
      for (const [cid, cause] of failures) failJobs(cid, 'unpin', cause);
    }),
  ]);
  // Anything thrown outside one content's work (the batch read) fails the whole batch.
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      const cause = asFailure(outcome.reason);
      for (const job of jobs) if (!retry.has(job.id)) retry.set(job.id, cause);
    }
  }
  const soon = new Set<string>();
  for (const job of jobs) {
    const cids = pinMessageCids(job.message);
    if (retry.has(job.id) && cids.every((c) => notWritten.has(c))) soon.add(job.id);
  }
  return { retry, soon, report };
}

/** A transient failure as the queue edge sees it; anything unexpected counts as transient. */
function asFailure(error: unknown): Failure {
  if (error instanceof FailureError) return error.failure;
  return failure.storageUnavailable(error, 'The pin worker');
}

class PinWork {
  readonly #ports: PinWorkerPorts;
  readonly #settings: PinWorkerSettings;
  readonly #report: PinWorkReport;
  readonly #remainingMs: (() => number) | undefined;
  readonly #providerSet: string;
  readonly #notWritten: Set<string>;

  constructor(
    ports: PinWorkerPorts,
    settings: PinWorkerSettings,
    report: PinWorkReport,
    remainingMs: (() => number) | undefined,
    notWritten: Set<string>,
  ) {
    this.#notWritten = notWritten;
    this.#ports = ports;
    this.#settings = settings;
    this.#report = report;
    this.#remainingMs = remainingMs;
    this.#providerSet = providerSetOf(ports.providers);
  }

  #now = () => this.#ports.clock.now().toISOString();

  /** Pins the contents; returns the transient failures by CID. */
  async pin(cids: string[], young: ReadonlySet<string>): Promise<Map<string, Failure>> {
    const failures = new Map<string, Failure>();
    if (cids.length === 0) return failures;
    const found = await this.#ports.contents.getMany(cids);
    // Content an upload is writing right now usually appears within a moment: wait for it here
    // rather than send the message round the queue.
    for (let look = 0; look < CONTENT_LOOKS; look++) {
      const missing = cids.filter((cid) => !found.has(cid) && young.has(cid));
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, CONTENT_LOOK_MS));
      for (const [cid, content] of await this.#ports.contents.getMany(missing))
        found.set(cid, content);
    }
    const toFetch: ContentRecord[] = [];
    const toPush: ContentRecord[] = [];
    for (const cid of cids) {
      const content = found.get(cid);
      if (!content && young.has(cid)) {
        // Its upload may be writing it right now: look again a little later.
        this.#notWritten.add(cid);
        failures.set(
          cid,
          failure.storageUnavailable(new Error('content not written yet'), 'The table'),
        );
        continue;
      }
      const next = content ? this.#nextStep(content) : 'skip';
      if (next === 'fetch') toFetch.push(content as ContentRecord);
      else if (next === 'push') toPush.push(content as ContentRecord);
      else this.#report.skipped++;
    }
    await forEachLimited(toFetch, FETCH_CONCURRENCY, async (content) => {
      try {
        const stored = await this.#fetch(content);
        if (stored) toPush.push(stored);
      } catch (error) {
        failures.set(content.cid, asFailure(error));
      }
    });
    for (const [cid, cause] of await this.#push(toPush)) failures.set(cid, cause);
    return failures;
  }

  #nextStep(content: ContentRecord): 'fetch' | 'push' | 'skip' {
    // Being removed, failed (the cron or a new request re-queues it), or pinned as configured.
    if (content.unpinRequested || content.pinStatus === 'failed') return 'skip';
    if (content.structure !== 'complete') return content.fetch ? 'fetch' : 'skip';
    if (content.pinStatus === 'pinned' && (content.pinnedWith ?? '') === this.#providerSet) {
      return 'skip';
    }
    return 'push';
  }

  /** Fetches a requested DAG; its stored content, or undefined when it failed for good. */
  async #fetch(content: ContentRecord): Promise<ContentRecord | undefined> {
    const { contents, carpark, gateway, clock } = this.#ports;
    const settings = this.#settings;
    const wanted = settings.PIN_FETCH_TIMEOUT_SECONDS * 1000;
    const available = (this.#remainingMs?.() ?? Number.POSITIVE_INFINITY) - FETCH_RESERVE_MS;
    if (available < Math.min(wanted, 10_000)) {
      // Too little of this invocation is left for a fair attempt: the message comes back.
      throw new FailureError(
        failure.storageUnavailable(new Error('not enough time left'), 'The pin worker'),
      );
    }
    await contents.startFetch(content.cid, this.#now());
    const sources = uniqueSources([
      ...(content.fetch?.origins ?? []).flatMap((origin) => httpOriginOf(origin) ?? []),
      ...(settings.IPFS_GATEWAYS ?? []),
    ]);
    const timeout = Math.min(wanted, available);
    const signal = AbortSignal.timeout(timeout);
    const fetched = await fetchDag(
      content.cid,
      sources,
      { gateway, carpark, clock },
      { maxBytes: settings.PIN_FETCH_MAX_BYTES, signal },
    );
    if (!fetched.ok) {
      if (signal.aborted && timeout < wanted) {
        // Cut short by this invocation's own end, not by the fetch's deadline: try again.
        throw new FailureError(
          failure.storageUnavailable(new Error('the invocation ended'), 'The pin worker'),
        );
      }
      await this.#fail(content, fetched.error.kind, fetched.error.message);
      return undefined;
    }
    await contents.recordCars(content.cid, fetched.value.cars);
    const stored = await contents.recordStored({
      cid: content.cid,
      size: fetched.value.size,
      structure: 'complete',
      now: this.#now(),
      awaitsProviders: this.#ports.providers.length > 0,
    });
    this.#report.fetched++;
    // Its pin is counted once, when it is pushed (and settled) with the rest.
    return stored;
  }

  async #fail(content: ContentRecord, kind: PinFailureKind, message: string) {
    const now = this.#now();
    const next = nextFailure(content.failure, kind, message, now, this.#settings);
    await this.#ports.contents.recordFailure(content.cid, next, now);
    this.#report.failed++;
  }

  /** Asks every provider about the stored contents; returns the transient failures by CID. */
  async #push(stored: ContentRecord[]): Promise<Map<string, Failure>> {
    const failures = new Map<string, Failure>();
    if (stored.length === 0) return failures;
    // Only what this worker learnt is written: another worker's claim or request id stays.
    const learnt = new Map<string, Record<string, ProviderPin>>();
    const learn = (cid: string, provider: string, state: ProviderPin) => {
      learnt.set(cid, { ...learnt.get(cid), [provider]: state });
    };
    await Promise.all(
      this.#ports.providers.map(async (provider) => {
        const need = stored.filter((c) => c.providers?.[provider.name]?.status !== 'pinned');
        if (need.length === 0) return;
        let answers: Map<string, ProviderAnswer>;
        try {
          answers = await this.#ask(provider, need);
        } catch (error) {
          const cause = asFailure(error);
          for (const content of need) {
            failures.set(content.cid, cause);
            const previous = content.providers?.[provider.name];
            const { claimed: _claimed, ...kept } = previous ?? { updated: '' };
            learn(content.cid, provider.name, {
              ...kept,
              status: 'pinning',
              error: cause.message,
              updated: this.#now(),
            });
          }
          return;
        }
        for (const [cid, answer] of answers)
          learn(cid, provider.name, stateOf(answer, this.#now()));
      }),
    );
    for (const content of stored) await this.#settle(content, learnt.get(content.cid) ?? {});
    return failures;
  }

  /**
   * One provider's answers for the contents. A provider that creates a request per pin gets
   * each pin requested once: what it already has an id for is looked up instead, and the rest
   * is claimed first, so a duplicate message running alongside never requests it again.
   */
  async #ask(
    provider: PinProvider,
    contents: ContentRecord[],
  ): Promise<Map<string, ProviderAnswer>> {
    const origins = this.#origins();
    const item = (content: ContentRecord) => this.#item(content, provider);
    if (!provider.createsRequests) return provider.pin(contents.map(item), origins);
    const known = contents.filter((c) => c.providers?.[provider.name]?.requestId);
    const fresh: ContentRecord[] = [];
    const now = this.#ports.clock.now();
    const stale = new Date(now.getTime() - PROVIDER_CLAIM_MS).toISOString();
    for (const content of contents) {
      if (known.includes(content)) continue;
      const claimed = await this.#ports.contents.claimProvider(
        content.cid,
        provider.name,
        now.toISOString(),
        stale,
        content.providers?.[provider.name]?.error,
      );
      if (claimed) fresh.push(content);
    }
    const [looked, created] = await Promise.all([
      known.length > 0 ? provider.status(known.map(item)) : new Map<string, ProviderAnswer>(),
      fresh.length > 0 ? provider.pin(fresh.map(item), origins) : new Map<string, ProviderAnswer>(),
    ]);
    return new Map<string, ProviderAnswer>([...looked, ...created]);
  }

  /** Where providers that fetch by CID may get the DAG: pinstack's own gateway. */
  #origins(): string[] {
    const url = this.#settings.GATEWAY_PUBLIC_URL;
    return url ? [url] : [];
  }

  #item(content: ContentRecord, provider?: PinProvider): ProviderItem {
    return providerItem(content, this.#ports.contents, this.#ports.carpark, provider?.name);
  }

  /** Writes what the providers said, and the pin it adds up to. */
  async #settle(content: ContentRecord, learnt: Record<string, ProviderPin>) {
    const status = await settlePin(content, learnt, this.#ports, this.#now(), this.#settings);
    if (status !== 'queued') this.#report[status]++;
  }

  /** Unpins the contents from every provider and removes them from the carpark. */
  async unpin(cids: string[]): Promise<Map<string, Failure>> {
    const failures = new Map<string, Failure>();
    for (const cid of cids) {
      try {
        if (await this.#remove(cid)) this.#report.unpinned++;
        else this.#report.skipped++;
      } catch (error) {
        failures.set(cid, asFailure(error));
      }
    }
    return failures;
  }

  async #remove(cid: string): Promise<boolean> {
    const { contents, carpark, providers } = this.#ports;
    const content = await contents.get(cid);
    if (
      content &&
      !content.unpinRequested &&
      content.unpinAfter &&
      content.unpinAfter <= this.#now()
    ) {
      // The cron sends the message before it marks the request: the mark is a moment away.
      this.#notWritten.add(cid);
      throw new FailureError(
        failure.storageUnavailable(new Error('unpin request not marked yet'), 'The table'),
      );
    }
    if (!content?.unpinRequested) return false;
    // Someone uploaded or requested it again since the unpin was requested: it stays.
    if (await contents.hasHolders(cid)) {
      await contents.cancelUnpin(cid);
      return false;
    }
    await Promise.all(providers.map((provider) => provider.unpin([this.#item(content, provider)])));
    const cars = await contents.listCars(cid);
    // The record goes first, and only while the unpin still stands: a holder arriving meanwhile
    // cancels it. The objects follow (a crash in between leaves orphans, never a dangling record).
    const removed = await contents.removeContent(
      cid,
      cars.map((car) => car.carCid),
    );
    // A holder that arrived while the providers unpinned it (its cancel in time or not yet
    // written): the content stays, and goes back to its providers.
    if (!removed || (await contents.hasHolders(cid))) {
      await this.#restore(content, cars, removed);
      return false;
    }
    // The block index forgets the CARs' blocks (routing must not name removed content, nor the
    // gateway look for blocks in a CAR that is gone), read from each CAR's block list. The lists
    // go last: the same CAR stored again is indexed again, and its new list is what advertises
    // it to IPNI again (the cron withdrew it with the unpin request).
    for (const car of cars) {
      const list = await carpark.get(blockIndexKey(car.carCid));
      if (list) {
        const multihashes = decodeBlockIndexEntries(list).map((block) => block.multihash);
        await this.#ports.blocks.forget(car.carCid, multihashes);
      }
    }
    await Promise.all(
      cars.flatMap((car) => [carpark.delete(car.key), carpark.delete(linkIndexKey(car.carCid))]),
    );
    await Promise.all(cars.map((car) => carpark.delete(blockIndexKey(car.carCid))));
    return true;
  }

  /**
   * Puts back content a new holder took while it was being unpinned: its records when they
   * were already removed, then its pin, `queued` at every provider and pushed again. A push
   * that fails here leaves the pin for the cron, as any other.
   */
  async #restore(content: ContentRecord, cars: CarRecord[], removed: boolean) {
    const { contents, providers } = this.#ports;
    const now = this.#now();
    if (removed) {
      await contents.recordCars(content.cid, cars);
      await contents.recordStored({
        cid: content.cid,
        size: content.size ?? 0,
        structure: 'complete',
        now,
        awaitsProviders: providers.length > 0,
      });
    }
    if (providers.length === 0) return;
    const lost = Object.fromEntries(
      providers.map((p) => [p.name, { status: 'queued' as const, updated: now }]),
    );
    await contents.recordProgress({ cid: content.cid, providers: lost, status: 'queued', now });
    const requeued = await contents.get(content.cid);
    if (requeued) await this.#push([requeued]);
  }
}

/**
 * Writes what was learnt from providers about a stored content, and the pin it adds up to:
 * `pinned` once every configured provider has it, `failed` when one gave up on it, else
 * `pinning`. Only the learnt states are written, so another worker's claim stays.
 */
export async function settlePin(
  content: ContentRecord,
  learnt: Record<string, ProviderPin>,
  ports: { contents: ContentStore; providers: readonly PinProvider[] },
  now: string,
  settings: Pick<PinWorkerSettings, 'PIN_FETCH_RETRIES' | 'PIN_FAILED_GRACE_HOURS'>,
): Promise<PinStatus> {
  const configured = ports.providers.map((p) => p.name);
  const state = (name: string) => learnt[name] ?? content.providers?.[name];
  const failedAt = configured.find((name) => state(name)?.status === 'failed');
  const allPinned = configured.every((name) => state(name)?.status === 'pinned');
  if (failedAt) {
    await ports.contents.recordProgress({
      cid: content.cid,
      providers: learnt,
      status: 'pinning',
      now,
    });
    const message = `${failedAt}: ${state(failedAt)?.error ?? 'failed'}`;
    await ports.contents.recordFailure(
      content.cid,
      nextFailure(content.failure, 'provider', message, now, settings),
      now,
    );
    return 'failed';
  }
  const status: Exclude<PinStatus, 'failed'> = allPinned ? 'pinned' : 'pinning';
  const sizes = configured.flatMap((name) => state(name)?.size ?? []);
  await ports.contents.recordProgress({
    cid: content.cid,
    providers: learnt,
    status,
    ...(allPinned
      ? {
          pinnedWith: providerSetOf(ports.providers),
          size: content.size ?? (sizes.length > 0 ? Math.max(...sizes) : undefined),
        }
      : {}),
    now,
  });
  return status;
}

/** A content as providers see it: its CID, and its stored CARs joined into one CAR stream. */
export function providerItem(
  content: Pick<ContentRecord, 'cid' | 'providers'>,
  contents: Pick<ContentStore, 'listCars'>,
  carpark: BlobStore | undefined,
  provider?: string,
): ProviderItem {
  const requestId = provider ? content.providers?.[provider]?.requestId : undefined;
  return {
    cid: content.cid,
    ...(requestId ? { requestId } : {}),
    async car() {
      if (!carpark) throw new Error('the CARs are not readable here');
      const cars = await contents.listCars(content.cid);
      return joinCars(
        CID.parse(content.cid),
        cars.map((car) => async () => {
          const stream = await carpark.stream(car.key);
          // The record is written only after the object, so a missing one is a storage fault.
          if (!stream)
            throw new Error(`CAR ${car.carCid} is recorded but missing from the carpark`);
          return stream;
        }),
      );
    },
  };
}

/** A provider's answer as the pin's provider state. */
export function stateOf(answer: ProviderAnswer, now: string): ProviderPin {
  return {
    // A provider that lost a pin is asked again: until then the pin is in progress.
    status: answer.status === 'absent' ? 'queued' : answer.status,
    ...(answer.requestId ? { requestId: answer.requestId } : {}),
    ...(answer.size !== undefined ? { size: answer.size } : {}),
    ...(answer.error ? { error: answer.error } : {}),
    updated: now,
  };
}

/** First retry of a failure the cron retries; each later one waits 4x longer. */
export const RETRY_BASE_MS = 5 * 60_000;

const RETRYABLE = new Set<PinFailureKind>(['unretrievable', 'gave-up', 'provider']);

/**
 * The failure after one more failed attempt: retried by the cron on a backoff schedule while
 * its kind allows, fetches at most PIN_FETCH_RETRIES times, and nothing past the grace period.
 */
export function nextFailure(
  previous: PinFailure | undefined,
  kind: PinFailureKind,
  message: string,
  now: string,
  settings: Pick<PinWorkerSettings, 'PIN_FETCH_RETRIES' | 'PIN_FAILED_GRACE_HOURS'>,
): PinFailure {
  const attempts = (previous?.attempts ?? 0) + 1;
  const since = previous?.since ?? now;
  const retryAt = new Date(Date.parse(now) + RETRY_BASE_MS * 4 ** (attempts - 1)).toISOString();
  const graceEnds = Date.parse(since) + settings.PIN_FAILED_GRACE_HOURS * 3_600_000;
  const retried =
    RETRYABLE.has(kind) &&
    !(kind === 'unretrievable' && attempts > settings.PIN_FETCH_RETRIES) &&
    Date.parse(retryAt) <= graceEnds;
  return { kind, message, since, attempts, ...(retried ? { retryAt } : {}) };
}

function uniqueSources(sources: string[]): string[] {
  return [...new Set(sources.map((s) => s.replace(/\/+$/, '')))];
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(workers);
}
