/**
 * The pin-status cron. It dispatches rather than does heavy work: holds a crashed writer left
 * behind are confirmed or released, pins left in `pinning` (a lost completeness check, a crash
 * after the content write) get their check re-queued, and content no live upload holds any
 * more is handed to the pin queue for unpinning once its grace period is over (and withdrawn
 * from IPNI).
 */
import { functions } from '../../system/functions.ts';
import { requestWithdrawal } from './ipni/withdraw.ts';
import type {
  Clock,
  ContentStore,
  IngestMessage,
  IpniMessage,
  MessageQueue,
  PinMessage,
  StatsStore,
  UploadStore,
} from './ports.ts';
import { settle } from './stats.ts';

export interface MaintenancePorts {
  contents: ContentStore;
  uploads: UploadStore;
  ingestQueue: MessageQueue<IngestMessage>;
  pinQueue: MessageQueue<PinMessage>;
  /** Where a content's removal from IPNI is requested. */
  ipniQueue: MessageQueue<IpniMessage>;
  stats: StatsStore;
  clock: Clock;
}

export interface MaintenanceSettings {
  /** Minutes a pin may wait in `pinning` before its completeness check is re-queued. */
  PIN_RECHECK_MINUTES: number;
  UNPIN_GRACE_DAYS: number;
}

/**
 * Age after which an unconfirmed hold's writer has finished or died: the longest any function
 * runs, and a minute more.
 */
export const HOLD_SETTLE_MS = Math.max(...functions.map((fn) => fn.timeoutSeconds)) * 1000 + 60_000;

/** Items handled per category per run; the next run continues. */
export const MAINTENANCE_BATCH_LIMIT = 500;

export interface MaintenanceReport {
  holdsConfirmed: number;
  holdsReleased: number;
  rechecksQueued: number;
  unpinsRequested: number;
  unpinsCancelled: number;
}

export async function maintainPins(
  ports: MaintenancePorts,
  settings: MaintenanceSettings,
  batchLimit = MAINTENANCE_BATCH_LIMIT,
): Promise<MaintenanceReport> {
  const now = ports.clock.now();
  const report: MaintenanceReport = {
    holdsConfirmed: 0,
    holdsReleased: 0,
    rechecksQueued: 0,
    unpinsRequested: 0,
    unpinsCancelled: 0,
  };

  // Holds a writer left unconfirmed: kept if their upload is live, else released (a request
  // that died before writing its upload, or a delete that died before releasing its hold).
  const settled = new Date(now.getTime() - HOLD_SETTLE_MS).toISOString();
  const unpinAfter = new Date(now.getTime() + settings.UNPIN_GRACE_DAYS * 86_400_000).toISOString();
  for (const hold of await ports.contents.listUnconfirmedHolders(settled, batchLimit)) {
    const [userId = '', uploadCid = ''] = hold.holder.split('#');
    const upload = await ports.uploads.get(userId, uploadCid);
    if (upload && !upload.deleted) {
      await ports.contents.confirmHolder(hold.cid, hold.holder, hold.recorded);
      report.holdsConfirmed++;
    } else {
      await ports.contents.removeHolder(hold.cid, hold.holder, unpinAfter, hold.recorded);
      report.holdsReleased++;
    }
  }

  const stale = new Date(now.getTime() - settings.PIN_RECHECK_MINUTES * 60_000).toISOString();
  for (const content of await ports.contents.listPending('pinning', stale, batchLimit)) {
    await ports.ingestQueue.send({ kind: 'check-dag', cid: content.cid });
    report.rechecksQueued++;
  }

  for (const content of await ports.contents.listUnpinDue(now.toISOString(), batchLimit)) {
    // Someone may have uploaded the content again since a holder left, or still holds it.
    if (await ports.contents.hasHolders(content.cid)) {
      await ports.contents.cancelUnpin(content.cid, content.unpinAfter);
      await settle({ kind: 'content', cid: content.cid }, ports);
      report.unpinsCancelled++;
      continue;
    }
    // Send before marking: a crash in between re-sends, and unpinning twice is harmless. The
    // content leaves IPNI with it (a removal ad): named by this release's schedule, a re-send
    // is withdrawn once, while a later release of the content stored again is withdrawn again.
    await ports.pinQueue.send({ op: 'unpin', cid: content.cid });
    await requestWithdrawal(content.cid, content.unpinAfter ?? now.toISOString(), ports);
    await ports.contents.markUnpinRequested(content.cid, now.toISOString());
    await settle({ kind: 'content', cid: content.cid }, ports);
    report.unpinsRequested++;
  }
  return report;
}
