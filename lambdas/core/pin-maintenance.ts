/**
 * The pin-status cron (every 5 minutes, never two runs at once: each run holds a lease). It
 * dispatches rather than does heavy work, reading only sparse indexes (never a scan):
 * - holds a crashed writer left behind are confirmed or released, and pin requests whose
 *   deletion was interrupted are finished;
 * - pins stuck in `queued` (a lost pin message) are re-queued;
 * - pins in `pinning` are followed up: a partial DAG's completeness check is re-queued, a
 *   stalled fetch re-queued, and the providers of a stored DAG are polled in batches — a pin
 *   they confirm becomes `pinned`, one they lost is pushed again;
 * - `failed` pins still in their grace period are retried on their backoff schedule;
 * - content pinned before the provider set changed is queued for the new set (backfill);
 * - content no live upload holds any more is handed to the pin queue for unpinning (from every
 *   provider, and removal from the carpark) once its grace period is over, and withdrawn from
 *   IPNI (a removal ad).
 */
import { randomUUID } from 'node:crypto';
import { MAX_PIN_MESSAGE_CIDS } from '../../contract/messages.ts';
import { functions } from '../../system/functions.ts';
import { FailureError } from './failures.ts';
import { requestWithdrawal } from './ipni/withdraw.ts';
import { providerItem, providerSetOf, settlePin, stateOf } from './pinning.ts';
import { finishRemoval } from './pinning-service.ts';
import type {
  Clock,
  ContentRecord,
  ContentStore,
  IngestMessage,
  IpniMessage,
  LeaseStore,
  MessageQueue,
  PinMessage,
  PinProvider,
  PinRequestStore,
  ProviderPin,
  ProviderSetStore,
  StatsStore,
  UploadStore,
} from './ports.ts';

export interface MaintenancePorts {
  contents: ContentStore;
  uploads: UploadStore;
  ingestQueue: MessageQueue<IngestMessage>;
  pinQueue: MessageQueue<PinMessage>;
  /** Where a content's removal from IPNI is requested. */
  ipniQueue: MessageQueue<IpniMessage>;
  stats: StatsStore;
  clock: Clock;
  /** The rest are the pinning's; without them the cron only repairs holds and unpins. */
  pinRequests?: PinRequestStore;
  providers?: readonly PinProvider[];
  providerSets?: ProviderSetStore;
  leases?: LeaseStore;
}

export interface MaintenanceSettings {
  /** Minutes a pin may wait in `queued` or `pinning` before the cron follows it up. */
  PIN_RECHECK_MINUTES: number;
  UNPIN_GRACE_DAYS: number;
  PIN_FETCH_TIMEOUT_SECONDS?: number;
  PIN_FETCH_RETRIES?: number;
  PIN_FAILED_GRACE_HOURS?: number;
}

/**
 * Age after which an unconfirmed hold's writer has finished or died: the longest any function
 * runs, and a minute more.
 */
export const HOLD_SETTLE_MS = Math.max(...functions.map((fn) => fn.timeoutSeconds)) * 1000 + 60_000;

/** Items handled per category per run; the next run continues. */
export const MAINTENANCE_BATCH_LIMIT = 500;

/** The lease every run holds: longer than a run may last, so two runs never overlap. */
export const MAINTENANCE_LEASE = 'pin-status';
const cronTimeoutMs = () =>
  (functions.find((fn) => fn.name === 'pin-status')?.timeoutSeconds ?? 300) * 1000;
export const MAINTENANCE_LEASE_MS = cronTimeoutMs() + 60_000;

/** Pins one provider status request asks about. */
const POLL_BATCH = 100;

export interface MaintenanceReport {
  /** Set when another run held the lease: this one did nothing. */
  skipped?: 'another run is in progress';
  holdsConfirmed: number;
  holdsReleased: number;
  pinRequestsRemoved: number;
  rechecksQueued: number;
  pinsRequeued: number;
  pinsPolled: number;
  pinsConfirmed: number;
  retriesQueued: number;
  backfillQueued: number;
  unpinsRequested: number;
  unpinsCancelled: number;
}

const emptyReport = (): MaintenanceReport => ({
  holdsConfirmed: 0,
  holdsReleased: 0,
  pinRequestsRemoved: 0,
  rechecksQueued: 0,
  pinsRequeued: 0,
  pinsPolled: 0,
  pinsConfirmed: 0,
  retriesQueued: 0,
  backfillQueued: 0,
  unpinsRequested: 0,
  unpinsCancelled: 0,
});

export async function maintainPins(
  ports: MaintenancePorts,
  settings: MaintenanceSettings,
  batchLimit = MAINTENANCE_BATCH_LIMIT,
): Promise<MaintenanceReport> {
  const report = emptyReport();
  const holder = randomUUID();
  if (ports.leases) {
    const held = await ports.leases.acquire(
      MAINTENANCE_LEASE,
      holder,
      ports.clock.now(),
      MAINTENANCE_LEASE_MS / 1000,
    );
    if (!held) return { ...report, skipped: 'another run is in progress' };
  }
  try {
    await new Maintenance(ports, settings, batchLimit, report).run();
  } finally {
    await ports.leases?.release(MAINTENANCE_LEASE, holder);
  }
  return report;
}

class Maintenance {
  readonly #ports: MaintenancePorts;
  readonly #settings: MaintenanceSettings;
  readonly #limit: number;
  readonly #report: MaintenanceReport;
  readonly #now: Date;
  /** CIDs to send to the pin queue at the end, many per message. */
  readonly #toPin = new Set<string>();

  constructor(
    ports: MaintenancePorts,
    settings: MaintenanceSettings,
    limit: number,
    report: MaintenanceReport,
  ) {
    this.#ports = ports;
    this.#settings = settings;
    this.#limit = limit;
    this.#report = report;
    this.#now = ports.clock.now();
  }

  #ago = (ms: number) => new Date(this.#now.getTime() - ms).toISOString();
  #iso = () => this.#now.toISOString();

  async run(): Promise<void> {
    await this.#repairHolds();
    await this.#finishPinRequestRemovals();
    await this.#requeueStuck();
    await this.#followUpPinning();
    await this.#retryFailed();
    await this.#backfill();
    await this.#sendPins();
    await this.#requestUnpins();
  }

  /**
   * Holds a writer left unconfirmed: kept if their upload is live, else released (a request
   * that died before writing its upload, or a delete that died before releasing its hold).
   */
  async #repairHolds() {
    const { contents, uploads } = this.#ports;
    const settled = this.#ago(HOLD_SETTLE_MS);
    const unpinAfter = this.#unpinAfter();
    for (const hold of await contents.listUnconfirmedHolders(settled, this.#limit)) {
      const [userId = '', uploadCid = ''] = hold.holder.split('#');
      const upload = await uploads.get(userId, uploadCid);
      if (upload && !upload.deleted) {
        await contents.confirmHolder(hold.cid, hold.holder, hold.recorded);
        this.#report.holdsConfirmed++;
      } else {
        await contents.removeHolder(hold.cid, hold.holder, unpinAfter, hold.recorded);
        this.#report.holdsReleased++;
      }
    }
  }

  #unpinAfter() {
    return new Date(
      this.#now.getTime() + this.#settings.UNPIN_GRACE_DAYS * 86_400_000,
    ).toISOString();
  }

  /** Pin requests marked deleted whose upload and record a crash left behind. */
  async #finishPinRequestRemovals() {
    const { pinRequests } = this.#ports;
    if (!pinRequests) return;
    for (const request of await pinRequests.listDeleted(this.#ago(HOLD_SETTLE_MS), this.#limit)) {
      await finishRemoval(request, { ...this.#ports, pinRequests }, this.#settings);
      this.#report.pinRequestsRemoved++;
    }
  }

  #stale() {
    return this.#ago(this.#settings.PIN_RECHECK_MINUTES * 60_000);
  }

  /** `queued` pins whose message was lost (or never sent): queued again, once per recheck. */
  async #requeueStuck() {
    for (const content of await this.#ports.contents.listPending(
      'queued',
      this.#stale(),
      this.#limit,
    )) {
      await this.#requeue(content.cid);
      this.#report.pinsRequeued++;
    }
  }

  async #requeue(cid: string) {
    // The new position in the queued list keeps the next run from sending it again at once.
    if (await this.#ports.contents.requeue(cid, this.#iso())) this.#toPin.add(cid);
  }

  async #followUpPinning() {
    const { contents, ingestQueue } = this.#ports;
    const fetchDeadline = this.#ago(
      ((this.#settings.PIN_FETCH_TIMEOUT_SECONDS ?? 600) + 120) * 1000,
    );
    const stored: ContentRecord[] = [];
    for (const content of await contents.listPending('pinning', this.#stale(), this.#limit)) {
      if (content.structure === 'complete') {
        stored.push(content);
      } else if (content.fetch) {
        // A fetch whose worker died (or is still at it, within its deadline: left alone).
        if ((content.fetch.started ?? content.updated) < fetchDeadline) {
          await this.#requeue(content.cid);
          this.#report.pinsRequeued++;
        }
      } else {
        // A chunked DAG whose completeness check was lost.
        await ingestQueue.send({ kind: 'check-dag', cid: content.cid });
        this.#report.rechecksQueued++;
      }
    }
    await this.#poll(stored);
  }

  /**
   * Asks every provider, in batches, about the pins it has not confirmed yet. A pin every
   * provider has is `pinned`; one a provider lost (or never got) is pushed again; a provider
   * that is down leaves its pins `pinning` for the next run.
   */
  async #poll(stored: ContentRecord[]) {
    const providers = this.#ports.providers ?? [];
    if (stored.length === 0) return;
    const learnt = new Map<string, Record<string, ProviderPin>>();
    const lost = new Set<string>();
    const now = this.#iso();
    for (const provider of providers) {
      const waiting = stored.filter((c) => c.providers?.[provider.name]?.status !== 'pinned');
      for (let i = 0; i < waiting.length; i += POLL_BATCH) {
        const batch = waiting.slice(i, i + POLL_BATCH);
        const items = batch.map((c) =>
          providerItem(c, this.#ports.contents, undefined, provider.name),
        );
        let answers: Awaited<ReturnType<PinProvider['status']>>;
        try {
          answers = await provider.status(items);
        } catch (error) {
          if (!(error instanceof FailureError)) throw error;
          for (const content of batch) {
            const previous = content.providers?.[provider.name];
            learnt.set(content.cid, {
              ...learnt.get(content.cid),
              [provider.name]: {
                ...(previous ?? {}),
                status: 'pinning',
                error: error.failure.message,
                updated: now,
              },
            });
          }
          continue;
        }
        this.#report.pinsPolled += batch.length;
        for (const content of batch) {
          const answer = answers.get(content.cid) ?? { status: 'absent' as const };
          // A pin never requested (no id yet) at a provider that needs one is pushed too.
          if (answer.status === 'absent') lost.add(content.cid);
          // A provider that lost a pin gets a new request for it: its old id is forgotten.
          const previous =
            answer.status === 'absent' ? undefined : content.providers?.[provider.name];
          learnt.set(content.cid, {
            ...learnt.get(content.cid),
            [provider.name]: {
              ...stateOf(answer, now),
              ...(previous?.requestId && !answer.requestId
                ? { requestId: previous.requestId }
                : {}),
            },
          });
        }
      }
    }
    for (const content of stored) {
      if (lost.has(content.cid)) {
        // Back in the queue with what was learnt, for the worker to push it again.
        await this.#ports.contents.recordProgress({
          cid: content.cid,
          providers: learnt.get(content.cid) ?? {},
          status: 'queued',
          now,
        });
        this.#toPin.add(content.cid);
        this.#report.pinsRequeued++;
        continue;
      }
      const status = await settlePin(
        content,
        learnt.get(content.cid) ?? {},
        { contents: this.#ports.contents, providers },
        now,
        this.#failureSettings(),
      );
      if (status === 'pinned') this.#report.pinsConfirmed++;
    }
  }

  #failureSettings() {
    return {
      PIN_FETCH_RETRIES: this.#settings.PIN_FETCH_RETRIES ?? 4,
      PIN_FAILED_GRACE_HOURS: this.#settings.PIN_FAILED_GRACE_HOURS ?? 24,
    };
  }

  /** `failed` pins whose retry is due, in their grace period: back in the queue. */
  async #retryFailed() {
    for (const content of await this.#ports.contents.listRetryDue(this.#iso(), this.#limit)) {
      await this.#requeue(content.cid);
      this.#report.retriesQueued++;
    }
  }

  /**
   * Content pinned with another provider set than the configured one (a provider added, or
   * removed) is queued for the current set; a set nothing is pinned with any more is forgotten.
   * The empty set is always looked at: content stored before any provider was configured.
   */
  async #backfill() {
    const { providerSets, contents } = this.#ports;
    if (!providerSets) return;
    const current = providerSetOf(this.#ports.providers ?? []);
    const known = await providerSets.list();
    if (!known.includes(current)) await providerSets.add(current);
    for (const set of new Set([...known, ''])) {
      if (set === current) continue;
      const pinned = await contents.listPinnedWith(set, this.#limit);
      if (pinned.length === 0) {
        if (known.includes(set)) await providerSets.remove(set);
        continue;
      }
      for (const content of pinned) {
        await this.#requeue(content.cid);
        this.#report.backfillQueued++;
      }
    }
  }

  async #sendPins() {
    const cids = [...this.#toPin];
    for (let i = 0; i < cids.length; i += MAX_PIN_MESSAGE_CIDS) {
      await this.#ports.pinQueue.send({ op: 'pin', cids: cids.slice(i, i + MAX_PIN_MESSAGE_CIDS) });
    }
  }

  async #requestUnpins() {
    const { contents, pinQueue } = this.#ports;
    for (const content of await contents.listUnpinDue(this.#iso(), this.#limit)) {
      // Someone may have uploaded the content again since a holder left, or still holds it.
      if (await contents.hasHolders(content.cid)) {
        await contents.cancelUnpin(content.cid, content.unpinAfter);
        this.#report.unpinsCancelled++;
        continue;
      }
      // Send before marking: a crash in between re-sends, and unpinning twice is harmless. The
      // content leaves IPNI with it (a removal ad): named by this release's schedule, a re-send
      // is withdrawn once, while a later release of the content stored again is withdrawn again.
      await pinQueue.send({ op: 'unpin', cid: content.cid });
      await requestWithdrawal(content.cid, content.unpinAfter ?? this.#iso(), this.#ports);
      await contents.markUnpinRequested(content.cid, this.#iso());
      this.#report.unpinsRequested++;
    }
  }
}
